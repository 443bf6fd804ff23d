import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime

/// Secure video playback: each frame period the codec decodes into the next protected
/// buffer, the GPU composes it in protected mode into a protected framebuffer, and the display
/// scans out the previous composition. Only a frame's first page of content is written and
/// read (with its protected-content marker), so a 4K stream costs what its control flow does.
final class SecurePlaybackWorkload: SimulatedWorkload, @unchecked Sendable {
    let name = "secure-playback"
    let stream: Workload.VideoStream
    static let sample: UInt64 = 4096
    // Touched from the simulation's one thread, never re-entrantly: the per-frame state skips
    // the runtime's exclusivity checks.
    @exclusivity(unchecked) private var decoded: [(buffer: DMABuf, device: DeviceBuffer, va: GPUVirtualAddress)] = []
    @exclusivity(unchecked) private var composed: [(buffer: DMABuf, device: DeviceBuffer, va: GPUVirtualAddress)] = []
    private var client: GPUClient?
    @exclusivity(unchecked) private var pending: [(frame: UInt64, job: JobHandle, target: Int)] = []
    /// Where the compositions still waiting start in `pending`: those before it are scanned
    /// out, dropped all at once every ``pendingCompaction`` of them rather than one at a time
    /// (taking the first of an array shifts the rest through its general replace every frame).
    @exclusivity(unchecked) private var pendingHead = 0
    private static let pendingCompaction = 16
    @exclusivity(unchecked) private var frame: UInt64 = 0
    /// `frame` modulo the decoded and the composed buffers' counts, kept beside it: each
    /// steps with the frame and wraps, where working them out took two divisions a frame.
    @exclusivity(unchecked) private var inputIndex = 0
    @exclusivity(unchecked) private var targetIndex = 0
    /// The composition of decoded buffer `i` into framebuffer `t`, made once: every frame
    /// submits one of these, the same job but for when it runs.
    private var composeJobs: [[GPUJob]] = []
    /// The frame tick as one event object, made once and scheduled again every frame (no
    /// event or closure allocated per frame); `finish` lets it go.
    private var onTick: FrameTick?
    /// The per-frame slices and work counters, registered once rather than named per frame.
    private var decodeSlice: Recorder.SliceKind?
    private var scanoutSlice: Recorder.SliceKind?
    private var codecWork: Recorder.WorkCounter?
    private var displayWork: Recorder.WorkCounter?

    /// The frame tick: the workload's ``tick(_:)`` as the queue's event.
    private final class FrameTick: ScheduledAction, @unchecked Sendable {
        let workload: SecurePlaybackWorkload
        let context: SimulationContext

        init(_ workload: SecurePlaybackWorkload, _ context: SimulationContext) {
            self.workload = workload
            self.context = context
        }

        func run() { workload.tick(context) }
        var scheduledLabel: String { "playback frame" }
    }

    init(_ stream: Workload.VideoStream) { self.stream = stream }

    var period: VirtualDuration { .nanoseconds(1_000_000_000 / UInt64(stream.frameRate)) }
    /// ``period`` and half of it (a decode's slice), worked out once: each tick needs both,
    /// and a division costs more than the rest of the arithmetic of a frame.
    @exclusivity(unchecked) private var framePeriod: VirtualDuration = .nanoseconds(0)
    @exclusivity(unchecked) private var decodeTime: VirtualDuration = .nanoseconds(0)
    /// The GPU's composition time: about 2 Gpixel/s, at least 200 µs.
    var composeTime: VirtualDuration {
        .nanoseconds(max(200_000, UInt64(stream.resolution.width) * UInt64(stream.resolution.height) / 2))
    }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = stream.heap ?? context.protectedHeap
        let client = try GPUClient(context, priority: .realtime, heap: heap, owner: "gpu")
        self.client = client
        do {
            for index in 0..<Int(stream.buffers) {
                guard let buffer = context.allocate(stream.resolution.nv12FrameBytes, from: heap, owner: "codec", name: "decoded-\(index)") else { continue }
                decoded.append((buffer, try context.codec.attachOutput(buffer), try client.bind(buffer, protected: true, readOnly: true)))
            }
            for index in 0..<2 {
                guard let buffer = context.allocate(stream.resolution.argbFrameBytes, from: heap, owner: "display", name: "scanout-\(index)") else { continue }
                composed.append((buffer, try context.display.attachFramebuffer(buffer), try client.bind(buffer, protected: true)))
            }
        } catch {
            throw SimulationError("secure playback: cannot attach or bind its buffers: \(error)")
        }
        composeJobs = decoded.indices.map { input in
            composed.indices.map { target in
                GPUJob("compose decoded-\(input) into scanout-\(target)", protected: true, duration: composeTime,
                       operations: [.copy(from: decoded[input].va, to: composed[target].va, size: Self.sample)])
            }
        }
        decodeSlice = context.recorder.sliceKind("decode", category: "codec", process: "codec")
        scanoutSlice = context.recorder.sliceKind("scanout", category: "display", process: "display")
        codecWork = context.recorder.workCounter("codec")
        displayWork = context.recorder.workCounter("display")
        framePeriod = period
        decodeTime = .nanoseconds(framePeriod.nanoseconds / 2)
        onTick = FrameTick(self, context)
        schedule(context, at: context.now)
    }

    private func schedule(_ context: SimulationContext, at time: VirtualInstant) {
        guard time < context.end, let onTick else { return }
        context.events.schedule(at: time, onTick)
    }

    fileprivate func tick(_ context: SimulationContext) {
        let now = context.now
        // Scan out what the GPU has finished composing. (Buffers are taken from their
        // entries one field at a time: copying a whole entry retains all three.)
        let gpu = client?.gpu
        // Polled as plain progress: the full state (read-back bytes, a failure's strings) is
        // asked for only to say why a compose failed.
        while pendingHead < pending.count, let progress = gpu?.jobProgress(pending[pendingHead].job), progress.isFinished {
            let first = pending[pendingHead]
            pendingHead += 1
            guard case .completed = progress else {
                let state = gpu?.jobState(first.job).map { "\($0)" } ?? "job gone"
                context.recorder.fault("gpu", "compose of frame \(first.frame) failed: \(state)", at: now)
                continue
            }
            let framebuffer = composed[first.target].device
            do {
                try context.display.scanOutWithoutCRC(framebuffer, frameSize: Self.sample)
                context.recorder.didWork(displayWork!)
                context.recorder.slice(scanoutSlice!, frame: first.frame, start: now, end: now + .microseconds(100))
            } catch {
                context.recorder.fault("display", nil, error, at: now)
            }
        }
        if pendingHead >= Self.pendingCompaction {
            pending.removeFirst(pendingHead)
            pendingHead = 0
        }
        if !decoded.isEmpty, !composed.isEmpty, let client {
            let inputIndex = inputIndex, target = targetIndex
            let output = decoded[inputIndex].device
            do {
                try context.codec.decodeWithoutChecksum(stream: 1, frame: frame, frameSize: Self.sample, into: output)
                _ = try context.writeMarker(.codec, into: output.chunks[0])
                context.recorder.didWork(codecWork!)
                context.recorder.slice(decodeSlice!, frame: frame, start: now, end: now + decodeTime)
                let job = try client.gpu.submit(composeJobs[inputIndex][target], to: client.group)
                pending.append((frame, job, target))
            } catch {
                context.recorder.fault("codec", "frame \(frame)", error, at: now)
            }
        }
        frame += 1
        inputIndex = inputIndex + 1 == decoded.count ? 0 : inputIndex + 1
        targetIndex = targetIndex + 1 == composed.count ? 0 : targetIndex + 1
        schedule(context, at: now + framePeriod)
    }

    func finish(_ context: SimulationContext) {
        onTick = nil
        client?.tearDown(context.events)
        for entry in decoded { try? context.codec.detach(entry.device); context.free(entry.buffer) }
        for entry in composed { try? context.display.detach(entry.device); context.free(entry.buffer) }
        decoded = []
        composed = []
    }
}
