import ProtMemMemory
import Synchronization

/// `struct dma_buf_attachment`: one device's attachment to one buffer, with its own mapping
/// state. Each call to ``DMABuf/attach(_:)`` makes a new one, as in the kernel.
public final class DMABufAttachment: Sendable, CustomStringConvertible {
    public let buffer: DMABuf
    public let device: DMADevice

    struct State {
        var detached = false
        /// Live mappings of this attachment, in the order they were made.
        var mappings: [(table: SGTable, direction: DMADataDirection)] = []
    }

    let state = Mutex(State())

    init(buffer: DMABuf, device: DMADevice) {
        self.buffer = buffer
        self.device = device
    }

    public var isDetached: Bool { state.withLock { $0.detached } }
    public var mappingCount: Int { state.withLock { $0.mappings.count } }

    public var description: String { "\(device.name) on \(buffer)" }
}

extension DMABuf {
    /// `dma_buf_attach`: attaches `device`; the attachment holds a reference until
    /// ``detach(_:)`` (the kernel takes none; see the lifecycle above). The exporter's `attach`
    /// may refuse with an errno, leaving nothing behind.
    public func attach(_ device: DMADevice) throws(Errno) -> DMABufAttachment {
        try pin()
        let attachment = DMABufAttachment(buffer: self, device: device)
        if exporter.operations.contains(.attach) {
            do throws(Errno) {
                try exporter.attach(attachment)
            } catch {
                try? drop(pin: true) { _ throws(Errno) in }
                throw error
            }
        }
        state.withLock { $0.attachments.insert(attachment, at: 0) }
        return attachment
    }

    /// `dma_buf_detach`: any mapping still live is unmapped first, then the exporter's
    /// `detach` runs and the attachment's reference goes.
    public func detach(_ attachment: DMABufAttachment) throws(Errno) {
        guard attachment.buffer === self else { throw .invalidArgument }
        let mappings = try attachment.state.withLock { state throws(Errno) in
            guard !state.detached else { throw .invalidArgument }
            state.detached = true
            defer { state.mappings = [] }
            return state.mappings
        }
        for mapping in mappings.reversed() {
            exporter.unmap(attachment, mapping.table, direction: mapping.direction)
        }
        if exporter.operations.contains(.detach) {
            exporter.detach(attachment)
        }
        try drop(pin: true) { state throws(Errno) in
            state.attachments.removeAll { $0 === attachment }
        }
    }

    /// `dma_buf_map_attachment`: the scatter list for the device. `DMA_NONE` is refused with
    /// `EINVAL` (the kernel warns and refuses it in the DMA API).
    public func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable {
        guard attachment.buffer === self, direction != .none else { throw .invalidArgument }
        guard !attachment.isDetached else { throw .invalidArgument }
        let table = try exporter.map(attachment, direction: direction)
        attachment.state.withLock { $0.mappings.append((table, direction)) }
        return table
    }

    /// `dma_buf_unmap_attachment`: `table` must be one this attachment mapped, else `EINVAL`
    /// (where the kernel would warn).
    public func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) throws(Errno) {
        guard attachment.buffer === self else { throw .invalidArgument }
        try attachment.state.withLock { state throws(Errno) in
            guard let index = state.mappings.lastIndex(where: { $0.table == table && $0.direction == direction }) else {
                throw .invalidArgument
            }
            state.mappings.remove(at: index)
        }
        exporter.unmap(attachment, table, direction: direction)
    }

    /// The devices attached now, newest first, as `bufinfo` lists them.
    public var attachedDevices: [DMADevice] {
        state.withLock { $0.attachments.map(\.device) }
    }
}
