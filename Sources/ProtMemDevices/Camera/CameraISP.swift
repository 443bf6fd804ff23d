import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A camera's image signal processor as a DMA master (`BusMaster.camera`): for secure record
/// it writes frames into protected buffers.
public final class CameraISP: Sendable {
    let master: DMAMaster
    private let counters = Mutex(CameraMetrics())

    public init(name: String = "fdcb0000.isp", bus: Bus, master: BusMaster = .camera) {
        self.master = DMAMaster(device: DMADevice(name: name, master: master), bus: bus)
    }

    public var device: DMADevice { master.device }

    /// Attaches a capture buffer (mapped `DMA_FROM_DEVICE`).
    public func attachCapture(_ buffer: DMABuf) throws(Errno) -> DeviceBuffer {
        try master.attach(buffer, direction: .fromDevice)
    }

    public func detach(_ buffer: DeviceBuffer) throws(Errno) {
        try master.detach(buffer)
    }

    /// Captures frame `frame` of sensor stream `stream` into `buffer`; returns its checksum.
    @discardableResult
    public func capture(stream: UInt64, frame: UInt64, frameSize: UInt64, into buffer: DeviceBuffer) throws(DMAMasterError) -> UInt64 {
        try captureWithoutChecksum(stream: stream, frame: frame, frameSize: frameSize, into: buffer)
        return FramePattern.checksum(stream: stream, frame: frame, count: Int(frameSize))
    }

    /// ``capture(stream:frame:frameSize:into:)`` for a caller that never looks at the checksum
    /// (the simulation): the same transfer, without the checksum's serial multiply chain.
    public func captureWithoutChecksum(stream: UInt64, frame: UInt64, frameSize: UInt64, into buffer: DeviceBuffer) throws(DMAMasterError) {
        try counters.counting({ () throws(DMAMasterError) in
            try master.produceFrame(stream: stream, frame: frame, frameSize: frameSize, into: buffer)
        }, done: {
            $0.framesCaptured += 1
            $0.bytesWritten += frameSize
        })
    }

    public var metrics: CameraMetrics { counters.withLock { $0 } }
    public var faults: [AccessFault] { master.faults }
    public var attachments: [DeviceBuffer] { master.attachments }
}
