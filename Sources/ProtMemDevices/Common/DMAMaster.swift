import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// What every DMA master device shares: its device identity, its live attachments, the faults
/// the bus raised against it (the first ``RecordLog/defaultLimit`` kept, the rest counted, so
/// a device that faults every frame for days holds no more), and the bus transfers themselves.
final class DMAMaster: Sendable {
    let device: DMADevice
    let bus: Bus
    private let attached = Mutex<[DeviceBuffer]>([])
    private let faultList = FaultLog()

    init(device: DMADevice, bus: Bus) {
        self.device = device
        self.bus = bus
    }

    func attach(_ buffer: DMABuf, direction: DMADataDirection) throws(Errno) -> DeviceBuffer {
        let held = try DeviceBuffer.attach(buffer, device: device, direction: direction)
        attached.withLock { $0.append(held) }
        return held
    }

    func detach(_ held: DeviceBuffer) throws(Errno) {
        guard held.attachment.device == device else { throw .invalidArgument }
        try held.detach()
        attached.withLock { $0.removeAll { $0 === held } }
    }

    var attachments: [DeviceBuffer] { attached.withLock { $0 } }
    var faults: [AccessFault] { faultList.faults }

    /// Reads `count` bytes from the buffer's start as this master.
    func read(_ count: UInt64, from held: DeviceBuffer) throws(DMAMasterError) -> [UInt8] {
        try check(held, count)
        do {
            return try PhysicalChunks.read(held.chunks, count: count, as: device.master, bus: bus)
        } catch {
            faultList.record(error)
            throw .fault(error)
        }
    }

    /// Writes `bytes` at the start of `held` as this master.
    func write(_ bytes: [UInt8], into held: DeviceBuffer) throws(DMAMasterError) {
        try check(held, UInt64(bytes.count))
        do {
            _ = try PhysicalChunks.write(bytes, into: held.chunks, as: device.master, bus: bus)
        } catch {
            faultList.record(error)
            throw .fault(error)
        }
    }

    /// Writes frame `frame` of `stream` (`frameSize` bytes of ``FramePattern``) into `held`:
    /// what a decoder or a sensor produces. Each piece of the buffer is checked on the bus and
    /// then generated in place, so no copy of the frame is made on the way.
    func produceFrame(stream: UInt64, frame: UInt64, frameSize: UInt64, into held: DeviceBuffer) throws(DMAMasterError) {
        try check(held, frameSize)
        do {
            var offset: UInt64 = 0
            try PhysicalChunks.forEachPiece(held.chunks, offset: 0, count: frameSize) { piece throws(AccessFault) in
                try bus.write(device.master, at: piece.base, count: Int(piece.size)) { destination in
                    FramePattern.fill(&destination, stream: stream, frame: frame, offset: offset)
                }
                offset += piece.size
            }
        } catch {
            faultList.record(error)
            throw .fault(error)
        }
    }

    /// Reads the first `count` bytes of `held` as this master, looking at them in place: for
    /// a consumer that keeps nothing of what it reads (a scan-out with no CRC asked for).
    func scan(_ count: UInt64, from held: DeviceBuffer) throws(DMAMasterError) {
        try check(held, count)
        do {
            try PhysicalChunks.forEachPiece(held.chunks, offset: 0, count: count) { piece throws(AccessFault) in
                try bus.read(device.master, at: piece.base, count: Int(piece.size)) { _ in }
            }
        } catch {
            faultList.record(error)
            throw .fault(error)
        }
    }

    private func check(_ held: DeviceBuffer, _ count: UInt64) throws(DMAMasterError) {
        guard !held.isDetached else { throw .detached }
        guard count <= held.buffer.size else { throw .bufferTooSmall(needed: count, size: held.buffer.size) }
    }
}
