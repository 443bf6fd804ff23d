import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Synchronization

/// Secure record: each frame period the camera captures into the next protected buffer and
/// the encoder (the codec) reads the previous capture back.
final class SecureRecordWorkload: SimulatedWorkload, Sendable {
    let name = "secure-record"
    let stream: Workload.VideoStream
    /// A bitstream buffer: room for an I-frame of a 1080p stream.
    static let bitstreamBufferSize: UInt64 = 256 << 10

    /// A capture buffer, attached to the camera and to the encoder.
    typealias Capture = (buffer: DMABuf, camera: DeviceBuffer, encoder: DeviceBuffer)

    /// What the workload holds and where it is; each tick copies out what it needs and lets
    /// the lock go before it asks a device or the recorder.
    private struct State {
        var captures: [Capture] = []
        /// The encoder's output, when the stream names a `bitstream_heap`.
        var bitstream: (buffer: DMABuf, encoder: DeviceBuffer)?
        var frame: UInt64 = 0
        /// The per-frame slices, registered once rather than named per frame.
        var captureSlice: Recorder.SliceKind?
        var encodeSlice: Recorder.SliceKind?
    }
    private let state = Mutex(State())

    init(_ stream: Workload.VideoStream) { self.stream = stream }

    var period: VirtualDuration { .nanoseconds(1_000_000_000 / UInt64(stream.frameRate)) }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = stream.heap ?? context.protectedHeap
        do {
            for index in 0..<Int(stream.buffers) {
                guard let buffer = context.allocate(stream.resolution.nv12FrameBytes, from: heap, owner: "camera", name: "capture-\(index)") else { continue }
                let capture: Capture = (buffer, try context.camera.attachCapture(buffer), try context.codec.attachOutput(buffer))
                state.withLock { $0.captures.append(capture) }
            }
            if let heap = stream.bitstreamHeap,
               let buffer = context.allocate(Self.bitstreamBufferSize, from: heap, owner: "codec", name: "bitstream") {
                let bitstream = (buffer: buffer, encoder: try context.codec.attachOutput(buffer))
                state.withLock { $0.bitstream = bitstream }
            }
        } catch {
            throw SimulationError("secure record: cannot attach its buffers: \(error)")
        }
        let captureSlice = context.recorder.sliceKind("capture", category: "camera", process: "camera")
        let encodeSlice = context.recorder.sliceKind("encode", category: "codec", process: "codec")
        state.withLock {
            $0.captureSlice = captureSlice
            $0.encodeSlice = encodeSlice
        }
        schedule(context, at: context.now)
    }

    private func schedule(_ context: SimulationContext, at time: VirtualInstant) {
        guard time < context.end else { return }
        _ = context.events.schedule(at: time, "record frame") { [self] in tick(context) }
    }

    private func tick(_ context: SimulationContext) {
        let now = context.now
        let taken = state.withLock { state -> (current: Capture, previous: Capture?, bitstream: DeviceBuffer?, frame: UInt64,
                                                   captureSlice: Recorder.SliceKind?, encodeSlice: Recorder.SliceKind?)? in
            guard !state.captures.isEmpty else { return nil }
            let count = UInt64(state.captures.count), frame = state.frame
            return (state.captures[Int(frame % count)], frame > 0 ? state.captures[Int((frame - 1) % count)] : nil, state.bitstream?.encoder, frame,
                    state.captureSlice, state.encodeSlice)
        }
        guard let taken else { return }
        let (current, frame) = (taken.current, taken.frame)
        do {
            try context.camera.captureWithoutChecksum(stream: 2, frame: frame, frameSize: SecurePlaybackWorkload.sample, into: current.camera)
            _ = try context.writeMarker(.camera, into: current.camera.chunks[0])
            context.recorder.didWork("camera")
            context.recorder.slice(taken.captureSlice!, frame: frame, start: now, end: now + .nanoseconds(period.nanoseconds / 2))
        } catch {
            context.recorder.fault("camera", "frame \(frame)", error, at: now)
            context.frames?.frameLost(at: now)
        }
        if let previous = taken.previous {
            do {
                if let bitstream = taken.bitstream {
                    try context.codec.encode(from: previous.encoder, frameSize: SecurePlaybackWorkload.sample, into: bitstream,
                                             bitstreamSize: SecurePlaybackWorkload.sample)
                } else {
                    try context.codec.encodeWithoutChecksum(from: previous.encoder, frameSize: SecurePlaybackWorkload.sample)
                }
                context.recorder.didWork("codec")
                context.recorder.slice(taken.encodeSlice!, frame: frame - 1, start: now, end: now + .nanoseconds(period.nanoseconds / 3))
                context.frames?.frameCompleted(at: now)
            } catch {
                context.recorder.fault("codec", "encoding frame \(frame - 1)", error, at: now)
                context.frames?.frameLost(at: now)
            }
        }
        state.withLock { $0.frame = frame + 1 }
        schedule(context, at: now + period)
    }

    func finish(_ context: SimulationContext) {
        let (captures, bitstream) = state.withLock { state in
            defer {
                state.captures = []
                state.bitstream = nil
            }
            return (state.captures, state.bitstream)
        }
        for entry in captures {
            try? context.camera.detach(entry.camera)
            try? context.codec.detach(entry.encoder)
            context.free(entry.buffer)
        }
        if let bitstream {
            try? context.codec.detach(bitstream.encoder)
            context.free(bitstream.buffer)
        }
    }
}
