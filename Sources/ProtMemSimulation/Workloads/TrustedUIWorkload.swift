import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime

/// Trusted UI: each frame the GPU draws a protected layer in protected mode and the display
/// scans it out.
final class TrustedUIWorkload: SimulatedWorkload, @unchecked Sendable {
    let name = "trusted-ui"
    let ui: Workload.TrustedUI
    private var layer: (buffer: DMABuf, display: DeviceBuffer, va: GPUVirtualAddress)?
    private var client: GPUClient?
    private var last: JobHandle?
    private var frame: UInt64 = 0

    init(_ ui: Workload.TrustedUI) { self.ui = ui }

    var period: VirtualDuration { .nanoseconds(1_000_000_000 / UInt64(ui.frameRate)) }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = ui.heap ?? context.protectedHeap
        let client = try GPUClient(context, priority: .high, heap: heap, owner: "trusted-ui")
        self.client = client
        guard let buffer = context.allocate(ui.resolution.argbFrameBytes, from: heap, owner: "trusted-ui", name: "tui-layer") else { return }
        do {
            layer = (buffer, try context.display.attachFramebuffer(buffer), try client.bind(buffer, protected: true))
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
        guard let layer, let client else { return }
        if let last, let progress = client.gpu.jobProgress(last), progress.isFinished {
            if case .completed = progress {
                do {
                    try context.display.scanOutWithoutCRC(layer.display, frameSize: SecurePlaybackWorkload.sample)
                    context.recorder.didWork("display")
                } catch {
                    context.recorder.fault("display", nil, error, at: now)
                }
            } else {
                let state = client.gpu.jobState(last).map { "\($0)" } ?? "job gone"
                context.recorder.fault("gpu", "trusted UI frame failed: \(state)", at: now)
            }
            self.last = nil
        }
        if last == nil {
            do {
                last = try client.gpu.submit(GPUJob("tui \(frame)", protected: true, duration: .microseconds(500),
                                                    operations: [.fill(layer.va, size: SecurePlaybackWorkload.sample, byte: UInt8(truncatingIfNeeded: frame))]), to: client.group)
            } catch {
                context.recorder.fault("gpu", "trusted UI submit: \(error)", at: now)
            }
        }
        frame += 1
        schedule(context, at: now + period)
    }

    func finish(_ context: SimulationContext) {
        client?.tearDown(context.events)
        if let layer {
            try? context.display.detach(layer.display)
            context.free(layer.buffer)
        }
        layer = nil
    }
}
