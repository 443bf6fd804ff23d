import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Synchronization

/// Trusted UI: each frame the GPU draws a protected layer in protected mode and the display
/// scans it out.
final class TrustedUIWorkload: SimulatedWorkload, Sendable {
    let name = "trusted-ui"
    let ui: Workload.TrustedUI

    /// The protected layer: attached to the display and bound in the GPU's VM.
    typealias Layer = (buffer: DMABuf, display: DeviceBuffer, va: GPUVirtualAddress)

    /// What the workload holds and where it is; each tick copies out what it needs and lets
    /// the lock go before it asks the GPU, the display or the recorder.
    private struct State {
        var layer: Layer?
        var client: GPUClient?
        var last: JobHandle?
        var frame: UInt64 = 0
    }
    private let state = Mutex(State())

    init(_ ui: Workload.TrustedUI) { self.ui = ui }

    var period: VirtualDuration { .nanoseconds(1_000_000_000 / UInt64(ui.frameRate)) }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = ui.heap ?? context.protectedHeap
        let client = try GPUClient(context, priority: .high, heap: heap, owner: "trusted-ui")
        state.withLock { $0.client = client }
        guard let buffer = context.allocate(ui.resolution.argbFrameBytes, from: heap, owner: "trusted-ui", name: "tui-layer") else { return }
        do {
            let layer: Layer = (buffer, try context.display.attachFramebuffer(buffer), try client.bind(buffer, protected: true))
            state.withLock { $0.layer = layer }
        } catch {
            throw SimulationError("trusted UI: cannot attach or bind its layer: \(error)")
        }
        schedule(context, at: context.now)
    }

    private func schedule(_ context: SimulationContext, at time: VirtualInstant) {
        guard time < context.end else { return }
        _ = context.events.schedule(at: time, "trusted-ui frame") { [self] in tick(context) }
    }

    private func tick(_ context: SimulationContext) {
        let now = context.now
        let taken = state.withLock { state -> (layer: Layer, client: GPUClient, last: JobHandle?, frame: UInt64)? in
            guard let layer = state.layer, let client = state.client else { return nil }
            return (layer, client, state.last, state.frame)
        }
        guard let (layer, client, waiting, frame) = taken else { return }
        var last = waiting
        if let job = last, let progress = client.gpu.jobProgress(job), progress.isFinished {
            if case .completed = progress {
                do {
                    try context.display.scanOutWithoutCRC(layer.display, frameSize: SecurePlaybackWorkload.sample)
                    context.recorder.didWork("display")
                    context.frames?.frameCompleted(at: now)
                } catch {
                    context.recorder.fault("display", nil, error, at: now)
                    context.frames?.frameLost(at: now)
                }
            } else {
                let state = client.gpu.jobState(job).map { "\($0)" } ?? "job gone"
                context.recorder.fault("gpu", "trusted UI frame failed: \(state)", at: now)
                context.frames?.frameLost(at: now)
                _ = client.replaceFailedGroup(context)
            }
            last = nil
        }
        if last == nil {
            do {
                last = try client.gpu.submit(GPUJob("tui \(frame)", protected: true, duration: .microseconds(500),
                                                    operations: [.fill(layer.va, size: SecurePlaybackWorkload.sample, byte: UInt8(truncatingIfNeeded: frame))]), to: client.group)
            } catch {
                context.recorder.fault("gpu", "trusted UI submit: \(error)", at: now)
                context.frames?.frameLost(at: now)
                _ = client.replaceFailedGroup(context)
            }
        }
        state.withLock { [last] in
            $0.last = last
            $0.frame = frame + 1
        }
        schedule(context, at: now + period)
    }

    func finish(_ context: SimulationContext) {
        let (client, layer) = state.withLock { state in
            defer { state.layer = nil }
            return (state.client, state.layer)
        }
        client?.tearDown(context.events)
        if let layer {
            try? context.display.detach(layer.display)
            context.free(layer.buffer)
        }
    }
}
