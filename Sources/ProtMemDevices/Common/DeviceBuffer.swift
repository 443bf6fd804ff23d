import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A dma-buf as one DMA master holds it: attached for its device and mapped in the direction
/// its DMA goes, until the device detaches it.
public final class DeviceBuffer: Sendable, CustomStringConvertible {
    public let buffer: DMABuf
    public let attachment: DMABufAttachment
    public let table: SGTable
    public let direction: DMADataDirection
    /// The chunks of the whole buffer, in order.
    public let chunks: [PhysicalRange]
    /// Set once, by the first detach; read before every transfer, so an atomic, not a lock.
    private let detached = Atomic<Bool>(false)

    init(buffer: DMABuf, attachment: DMABufAttachment, table: SGTable, direction: DMADataDirection) {
        self.buffer = buffer
        self.attachment = attachment
        self.table = table
        self.direction = direction
        self.chunks = table.segments(offset: 0, count: table.totalLength) ?? []
    }

    public var isDetached: Bool { detached.load(ordering: .acquiring) }

    /// `dma_buf_attach` then `dma_buf_map_attachment`; nothing stays attached on failure.
    static func attach(_ buffer: DMABuf, device: DMADevice, direction: DMADataDirection) throws(Errno) -> DeviceBuffer {
        let attachment = try buffer.attach(device)
        do {
            let table = try buffer.map(attachment, direction: direction)
            return DeviceBuffer(buffer: buffer, attachment: attachment, table: table, direction: direction)
        } catch {
            try? buffer.detach(attachment)
            throw error
        }
    }

    /// `dma_buf_unmap_attachment` then `dma_buf_detach`; `EINVAL` the second time.
    func detach() throws(Errno) {
        let first = detached.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        guard first else { throw .invalidArgument }
        try buffer.unmap(attachment, table, direction: direction)
        try buffer.detach(attachment)
    }

    public var description: String { "\(attachment.device.name) → \(buffer)" }
}

/// Why a DMA master's operation did not happen.
public enum DMAMasterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The buffer was detached from the device.
    case detached
    /// The frame does not fit the buffer.
    case bufferTooSmall(needed: UInt64, size: UInt64)
    /// The bus refused the transfer (recorded in the device's faults too).
    case fault(AccessFault)

    public var description: String {
        switch self {
        case .detached: "the buffer is no longer attached"
        case .bufferTooSmall(let needed, let size): "a \(needed)-byte frame does not fit a \(size)-byte buffer"
        case .fault(let fault): fault.description
        }
    }
}
