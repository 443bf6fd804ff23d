import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A video decoder as a DMA master (`BusMaster.codec`): in secure playback it decodes into
/// protected buffers, which the firewall lets it write and the non-secure CPU not read.
///
/// The bitstream itself is not modelled: frame `n` of stream `s` is ``FramePattern`` bytes,
/// written over the bus into the output buffer as the codec.
public final class VideoCodec: Sendable {
    let master: DMAMaster
    private let counters = Mutex(CodecMetrics())

    public init(name: String = "fdc38100.video-codec", bus: Bus, master: BusMaster = .codec) {
        self.master = DMAMaster(device: DMADevice(name: name, master: master), bus: bus)
    }

    public var device: DMADevice { master.device }

    /// Attaches an output buffer (mapped `DMA_FROM_DEVICE`).
    public func attachOutput(_ buffer: DMABuf) throws(Errno) -> DeviceBuffer {
        try master.attach(buffer, direction: .fromDevice)
    }

    public func detach(_ buffer: DeviceBuffer) throws(Errno) {
        try master.detach(buffer)
    }

    /// Decodes frame `frame` of `stream` (`frameSize` bytes) into `output`; returns the frame's
    /// checksum.
    @discardableResult
    public func decode(stream: UInt64, frame: UInt64, frameSize: UInt64, into output: DeviceBuffer) throws(DMAMasterError) -> UInt64 {
        try decodeWithoutChecksum(stream: stream, frame: frame, frameSize: frameSize, into: output)
        return FramePattern.checksum(stream: stream, frame: frame, count: Int(frameSize))
    }

    /// ``decode(stream:frame:frameSize:into:)`` for a caller that never looks at the checksum
    /// (the simulation): the same transfer, without the checksum's serial multiply chain,
    /// which costs more than the transfer itself.
    public func decodeWithoutChecksum(stream: UInt64, frame: UInt64, frameSize: UInt64, into output: DeviceBuffer) throws(DMAMasterError) {
        try counters.counting({ () throws(DMAMasterError) in
            try master.produceFrame(stream: stream, frame: frame, frameSize: frameSize, into: output)
        }, done: {
            $0.framesDecoded += 1
            $0.bytesWritten += frameSize
        })
    }

    /// Encodes: reads the first `frameSize` bytes of `input` (a captured frame) as the codec;
    /// returns their checksum.
    @discardableResult
    public func encode(from input: DeviceBuffer, frameSize: UInt64) throws(DMAMasterError) -> UInt64 {
        let pixels = try counters.counting({ () throws(DMAMasterError) in try master.read(frameSize, from: input) },
                                           done: { $0.framesEncoded += 1 })
        return FramePattern.checksum(pixels)
    }

    /// ``encode(from:frameSize:)`` for a caller that never looks at the checksum: the same
    /// read, looked at in place rather than copied out and hashed.
    public func encodeWithoutChecksum(from input: DeviceBuffer, frameSize: UInt64) throws(DMAMasterError) {
        try counters.counting({ () throws(DMAMasterError) in try master.scan(frameSize, from: input) },
                              done: { $0.framesEncoded += 1 })
    }

    /// Encodes the first `frameSize` bytes of `input` into a bitstream of `bitstreamSize`
    /// bytes at the start of `output`. The compression is not modelled: the bitstream is the
    /// frame's first `bitstreamSize` bytes, read and written back out as the codec, so what
    /// the frame's content is (protected content carries its marker at the frame's start) the
    /// bitstream's is too, as an encoded protected frame is still protected content.
    public func encode(from input: DeviceBuffer, frameSize: UInt64, into output: DeviceBuffer, bitstreamSize: UInt64) throws(DMAMasterError) {
        try counters.counting({ () throws(DMAMasterError) in
            try master.scan(frameSize, from: input)
            try master.write(master.read(min(bitstreamSize, frameSize), from: input), into: output)
        }, done: {
            $0.framesEncoded += 1
            $0.bytesWritten += min(bitstreamSize, frameSize)
        })
    }

    public var metrics: CodecMetrics { counters.withLock { $0 } }
    public var faults: [AccessFault] { master.faults }
    public var attachments: [DeviceBuffer] { master.attachments }
}
