import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A display controller's scan-out engine as a DMA master (`BusMaster.display`): it reads a
/// framebuffer and reports its checksum, as a CRC unit would. It may read protected memory,
/// which is how protected content reaches the panel without passing the CPU.
public final class DisplayController: Sendable {
    let master: DMAMaster
    private let counters = Mutex(DisplayMetrics())

    public init(name: String = "fdd90000.vop", bus: Bus, master: BusMaster = .display) {
        self.master = DMAMaster(device: DMADevice(name: name, master: master), bus: bus)
    }

    public var device: DMADevice { master.device }

    /// Attaches a framebuffer (mapped `DMA_TO_DEVICE`).
    public func attachFramebuffer(_ buffer: DMABuf) throws(Errno) -> DeviceBuffer {
        try master.attach(buffer, direction: .toDevice)
    }

    public func detach(_ buffer: DeviceBuffer) throws(Errno) {
        try master.detach(buffer)
    }

    /// Scans out the first `frameSize` bytes of `framebuffer`; returns their checksum.
    public func scanOut(_ framebuffer: DeviceBuffer, frameSize: UInt64) throws(DMAMasterError) -> UInt64 {
        let pixels = try counters.counting({ () throws(DMAMasterError) in try master.read(frameSize, from: framebuffer) },
                                           done: { Self.countScanOut(&$0, frameSize) })
        return FramePattern.checksum(pixels)
    }

    /// ``scanOut(_:frameSize:)`` with the CRC unit off, as DRM leaves it unless CRC capture is
    /// asked for: the same read, looked at in place rather than copied out and hashed.
    public func scanOutWithoutCRC(_ framebuffer: DeviceBuffer, frameSize: UInt64) throws(DMAMasterError) {
        try counters.counting({ () throws(DMAMasterError) in try master.scan(frameSize, from: framebuffer) },
                              done: { Self.countScanOut(&$0, frameSize) })
    }

    private static func countScanOut(_ metrics: inout DisplayMetrics, _ frameSize: UInt64) {
        metrics.framesScannedOut += 1
        metrics.bytesRead += frameSize
    }

    public var metrics: DisplayMetrics { counters.withLock { $0 } }
    public var faults: [AccessFault] { master.faults }
    public var attachments: [DeviceBuffer] { master.attachments }
}
