import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime

/// Secure record: each frame period the camera captures into the next protected buffer and
/// the encoder (the codec) reads the previous capture back.
final class SecureRecordWorkload: SimulatedWorkload, @unchecked Sendable {
    let name = "secure-record"
    let stream: Workload.VideoStream
    private var captures: [(buffer: DMABuf, camera: DeviceBuffer, encoder: DeviceBuffer)] = []
    /// The encoder's output, when the stream names a `bitstream_heap`.
    private var bitstream: (buffer: DMABuf, encoder: DeviceBuffer)?
    /// A bitstream buffer: room for an I-frame of a 1080p stream.
    static let bitstreamBufferSize: UInt64 = 256 << 10
    private var frame: UInt64 = 0
    /// The per-frame slices, registered once rather than named per frame.
    private var captureSlice: Recorder.SliceKind?
    private var encodeSlice: Recorder.SliceKind?

    init(_ stream: Workload.VideoStream) { self.stream = stream }

    var period: VirtualDuration { .nanoseconds(1_000_000_000 / UInt64(stream.frameRate)) }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = stream.heap ?? context.protectedHeap
        do {
            for index in 0..<Int(stream.buffers) {
                guard let buffer = context.allocate(stream.resolution.nv12FrameBytes, from: heap, owner: "camera", name: "capture-\(index)") else { continue }
                captures.append((buffer, try context.camera.attachCapture(buffer), try context.codec.attachOutput(buffer)))
            }
            if let heap = stream.bitstreamHeap,
               let buffer = context.allocate(Self.bitstreamBufferSize, from: heap, owner: "codec", name: "bitstream") {
                bitstream = (buffer, try context.codec.attachOutput(buffer))
            }
        } catch {
            throw SimulationError("secure record: cannot attach its buffers: \(error)")
        }
        captureSlice = context.recorder.sliceKind("capture", category: "camera", process: "camera")
        encodeSlice = context.recorder.sliceKind("encode", category: "codec", process: "codec")
        schedule(context, at: context.now)
    }

    private func schedule(_ context: SimulationContext, at time: VirtualInstant) {
        guard time < context.end else { return }
        _ = context.events.schedule(at: time, "record frame") { [self] in tick(context) }
    }

    private func tick(_ context: SimulationContext) {
        let now = context.now
        guard !captures.isEmpty else { return }
        let current = captures[Int(frame % UInt64(captures.count))]
        do {
            try context.camera.captureWithoutChecksum(stream: 2, frame: frame, frameSize: SecurePlaybackWorkload.sample, into: current.camera)
            _ = try context.writeMarker(.camera, into: current.camera.chunks[0])
            context.recorder.didWork("camera")
            context.recorder.slice(captureSlice!, frame: frame, start: now, end: now + .nanoseconds(period.nanoseconds / 2))
        } catch {
            context.recorder.fault("camera", "frame \(frame)", error, at: now)
        }
        if frame > 0 {
            let previous = captures[Int((frame - 1) % UInt64(captures.count))]
            do {
                if let bitstream {
                    try context.codec.encode(from: previous.encoder, frameSize: SecurePlaybackWorkload.sample, into: bitstream.encoder,
                                             bitstreamSize: SecurePlaybackWorkload.sample)
                } else {
                    try context.codec.encodeWithoutChecksum(from: previous.encoder, frameSize: SecurePlaybackWorkload.sample)
                }
                context.recorder.didWork("codec")
                context.recorder.slice(encodeSlice!, frame: frame - 1, start: now, end: now + .nanoseconds(period.nanoseconds / 3))
            } catch {
                context.recorder.fault("codec", "encoding frame \(frame - 1)", error, at: now)
            }
        }
        frame += 1
        schedule(context, at: now + period)
    }

    func finish(_ context: SimulationContext) {
        for entry in captures {
            try? context.camera.detach(entry.camera)
            try? context.codec.detach(entry.encoder)
            context.free(entry.buffer)
        }
        captures = []
        if let bitstream {
            try? context.codec.detach(bitstream.encoder)
            context.free(bitstream.buffer)
        }
        bitstream = nil
    }
}
