import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Synchronization

/// Secure video playback: each frame period the codec decodes into the next protected
/// buffer, the GPU composes it in protected mode into a protected framebuffer, and the display
/// scans out the previous composition. Only a frame's first page of content is written and
/// read (with its protected-content marker), so a 4K stream costs what its control flow does.
final class SecurePlaybackWorkload: SimulatedWorkload, Sendable {
    let name = "secure-playback"
    let stream: Workload.VideoStream
    static let sample: UInt64 = 4096

    /// A buffer the workload holds: attached to its device and bound in the GPU's VM.
    typealias Slot = (buffer: DMABuf, device: DeviceBuffer, va: GPUVirtualAddress)

    /// What the workload holds, for ``finish(_:)`` to give back: set as ``start(_:)`` makes
    /// it (a start that fails half-way is finished too).
    private struct Held {
        var client: GPUClient?
        var decoded: [Slot] = []
        var composed: [Slot] = []
        var frames: Frames?
    }
    private let held = Mutex(Held())

    init(_ stream: Workload.VideoStream) { self.stream = stream }

    var period: VirtualDuration { .nanoseconds(1_000_000_000 / UInt64(stream.frameRate)) }
    /// The GPU's composition time: about 2 Gpixel/s, at least 200 µs.
    var composeTime: VirtualDuration {
        .nanoseconds(max(200_000, UInt64(stream.resolution.width) * UInt64(stream.resolution.height) / 2))
    }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = stream.heap ?? context.protectedHeap
        let client = try GPUClient(context, priority: .realtime, heap: heap, owner: "gpu")
        held.withLock { $0.client = client }
        var decoded: [Slot] = [], composed: [Slot] = []
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
            held.withLock { [decoded, composed] in
                $0.decoded = decoded
                $0.composed = composed
            }
            throw SimulationError("secure playback: cannot attach or bind its buffers: \(error)")
        }
        let composeJobs = decoded.indices.map { input in
            composed.indices.map { target in
                GPUJob("compose decoded-\(input) into scanout-\(target)", protected: true, duration: composeTime,
                       operations: [.copy(from: decoded[input].va, to: composed[target].va, size: Self.sample)])
            }
        }
        let framePeriod = period
        let frames = Frames(context: context, client: client, decoded: decoded.map(\.device), composed: composed.map(\.device), composeJobs: composeJobs,
                            decodeSlice: context.recorder.sliceKind("decode", category: "codec", process: "codec"),
                            scanoutSlice: context.recorder.sliceKind("scanout", category: "display", process: "display"),
                            codecWork: context.recorder.workCounter("codec"), displayWork: context.recorder.workCounter("display"),
                            framePeriod: framePeriod, decodeTime: .nanoseconds(framePeriod.nanoseconds / 2))
        held.withLock { [decoded, composed] in
            $0.decoded = decoded
            $0.composed = composed
            $0.frames = frames
        }
        frames.schedule(at: context.now)
    }

    func finish(_ context: SimulationContext) {
        let held = held.withLock { held in
            defer { held = Held() }
            return held
        }
        held.frames?.stop()
        held.client?.tearDown(context.events)
        for entry in held.decoded { try? context.codec.detach(entry.device); context.free(entry.buffer) }
        for entry in held.composed { try? context.display.detach(entry.device); context.free(entry.buffer) }
    }
}

/// The frame tick: one event object, made once at the start and scheduled again every frame
/// (no event or closure allocated per frame), with what every frame uses, made once: the
/// buffers' devices, the compositions (the composition of decoded buffer `i` into
/// framebuffer `t`, the same job every frame but for when it runs), the per-frame slices and
/// work counters (registered once rather than named per frame), and the frame period and
/// half of it (a decode's slice: a division costs more than the rest of a frame's arithmetic).
///
/// What changes from frame to frame is behind a lock, taken to read it at the start of a
/// tick, for each composition scanned out, and to write it at the end: never while the tick
/// asks the GPU, the codec, the display or the recorder.
private final class Frames: ScheduledAction, Sendable {
    let context: SimulationContext
    let client: GPUClient
    let decoded: [DeviceBuffer]
    let composed: [DeviceBuffer]
    let composeJobs: [[GPUJob]]
    let decodeSlice: Recorder.SliceKind
    let scanoutSlice: Recorder.SliceKind
    let codecWork: Recorder.WorkCounter
    let displayWork: Recorder.WorkCounter
    let framePeriod: VirtualDuration
    let decodeTime: VirtualDuration

    /// Where compositions still waiting start in ``State/pending``: those before it are
    /// scanned out, dropped all at once every this many of them rather than one at a time
    /// (taking the first of an array shifts the rest through its general replace every frame).
    static let pendingCompaction = 16

    private struct State {
        var pending: [(frame: UInt64, job: JobHandle, target: Int, submitted: VirtualInstant)] = []
        var pendingHead = 0
        var frame: UInt64 = 0
        /// `frame` modulo the decoded and the composed buffers' counts, kept beside it: each
        /// steps with the frame and wraps, where working them out took two divisions a frame.
        var inputIndex = 0
        var targetIndex = 0
        /// Set when the workload finishes: a tick after it does nothing.
        var stopped = false

        var waiting: (frame: UInt64, job: JobHandle, target: Int, submitted: VirtualInstant)? { pendingHead < pending.count ? pending[pendingHead] : nil }
    }
    private let state = Mutex(State())

    init(context: SimulationContext, client: GPUClient, decoded: [DeviceBuffer], composed: [DeviceBuffer], composeJobs: [[GPUJob]],
         decodeSlice: Recorder.SliceKind, scanoutSlice: Recorder.SliceKind, codecWork: Recorder.WorkCounter, displayWork: Recorder.WorkCounter,
         framePeriod: VirtualDuration, decodeTime: VirtualDuration) {
        self.context = context
        self.client = client
        self.decoded = decoded
        self.composed = composed
        self.composeJobs = composeJobs
        self.decodeSlice = decodeSlice
        self.scanoutSlice = scanoutSlice
        self.codecWork = codecWork
        self.displayWork = displayWork
        self.framePeriod = framePeriod
        self.decodeTime = decodeTime
    }

    func run() { tick() }
    var scheduledLabel: String { "playback frame" }

    func schedule(at time: VirtualInstant) {
        guard time < context.end else { return }
        context.events.schedule(at: time, self)
    }

    func stop() { state.withLock { $0.stopped = true } }

    private func tick() {
        let now = context.now
        let (stopped, frame, inputIndex, target, waiting) = state.withLock { ($0.stopped, $0.frame, $0.inputIndex, $0.targetIndex, $0.waiting) }
        guard !stopped else { return }
        // Scan out what the GPU has finished composing. Polled as plain progress: the full
        // state (read-back bytes, a failure's strings) is asked for only to say why a compose
        // failed.
        let gpu = client.gpu
        var next = waiting
        while let first = next, let progress = gpu.jobProgress(first.job), progress.isFinished {
            next = state.withLock { state in
                state.pendingHead += 1
                return state.waiting
            }
            guard case .completed = progress else {
                let state = gpu.jobState(first.job).map { "\($0)" } ?? "job gone"
                context.recorder.fault("gpu", "compose of frame \(first.frame) failed: \(state)", at: now)
                context.frames?.frameLost(at: now)
                // A dead group takes no more jobs: the player makes a new one, as Mesa does.
                _ = client.replaceFailedGroup(context)
                continue
            }
            do {
                try context.display.scanOutWithoutCRC(composed[first.target], frameSize: SecurePlaybackWorkload.sample)
                context.recorder.didWork(displayWork)
                context.recorder.slice(scanoutSlice, frame: first.frame, start: now, end: now + .microseconds(100))
                // A composition normally goes out one period after its decode; one more than
                // two periods late is a frame a player drops (a suspend, a reset's backlog).
                if let frames = context.frames {
                    if now.duration(since: first.submitted) > framePeriod + framePeriod { frames.frameLost(at: now) } else { frames.frameCompleted(at: now) }
                }
            } catch {
                context.recorder.fault("display", nil, error, at: now)
                context.frames?.frameLost(at: now)
            }
        }
        var submitted: JobHandle?
        if !decoded.isEmpty, !composed.isEmpty {
            let output = decoded[inputIndex]
            do {
                try context.codec.decodeWithoutChecksum(stream: 1, frame: frame, frameSize: SecurePlaybackWorkload.sample, into: output)
                _ = try context.writeMarker(.codec, into: output.chunks[0])
                context.recorder.didWork(codecWork)
                context.recorder.slice(decodeSlice, frame: frame, start: now, end: now + decodeTime)
                submitted = try client.gpu.submit(composeJobs[inputIndex][target], to: client.group)
            } catch {
                context.recorder.fault("codec", "frame \(frame)", error, at: now)
                context.frames?.frameLost(at: now)
                _ = client.replaceFailedGroup(context)
            }
        }
        let (decodedCount, composedCount) = (decoded.count, composed.count)
        state.withLock { state in
            if state.pendingHead >= Self.pendingCompaction {
                state.pending.removeFirst(state.pendingHead)
                state.pendingHead = 0
            }
            if let submitted { state.pending.append((frame, submitted, target, now)) }
            state.frame = frame + 1
            state.inputIndex = inputIndex + 1 == decodedCount ? 0 : inputIndex + 1
            state.targetIndex = target + 1 == composedCount ? 0 : target + 1
        }
        schedule(at: now + framePeriod)
    }
}
