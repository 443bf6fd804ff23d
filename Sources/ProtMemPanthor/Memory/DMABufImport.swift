import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A dma-buf the GPU has imported: attached, mapped, and holding one reference, until
/// ``release()`` unmaps, detaches and puts it.
final class ImportedDMABuf: Sendable {
    let buffer: DMABuf
    /// The chunks behind the imported length, in order, each whole pages.
    let chunks: [PhysicalRange]
    private let undo: Mutex<(@Sendable () -> Void)?>

    init(buffer: DMABuf, chunks: [PhysicalRange], undo: @escaping @Sendable () -> Void) {
        self.buffer = buffer
        self.chunks = chunks
        self.undo = Mutex(undo)
    }

    /// Runs once; later calls do nothing.
    func release() {
        let action = undo.withLock { slot -> (@Sendable () -> Void)? in
            defer { slot = nil }
            return slot
        }
        action?()
    }
}

/// `drm_gem_prime_import`: the GPU attaches and maps a dma-buf (bidirectional, as a GEM
/// object's pages are) and keeps the chunks of its first `size` bytes.
enum DMABufImport {
    /// Imports `buffer` for `device`. The import owns one reference: the caller's (when
    /// `takeReference` is false, as for a buffer the driver allocated itself) or a new one (for
    /// a buffer userspace still holds). On failure nothing is left attached and no reference
    /// is taken or dropped.
    static func importBuffer(_ buffer: DMABuf, size: UInt64, device: DMADevice, takeReference: Bool) throws(Errno) -> ImportedDMABuf {
        guard size > 0, size <= buffer.size, size & (pageSize - 1) == 0 else { throw .invalidArgument }
        let attachment = try buffer.attach(device)
        let table: SGTable
        do {
            table = try buffer.map(attachment, direction: .bidirectional)
        } catch {
            try? buffer.detach(attachment)
            throw error
        }
        guard let chunks = table.segments(offset: 0, count: size), chunks.allSatisfy(\.isPageAligned) else {
            try? buffer.unmap(attachment, table, direction: .bidirectional)
            try? buffer.detach(attachment)
            throw .invalidArgument
        }
        if takeReference {
            do {
                try buffer.get()
            } catch {
                try? buffer.unmap(attachment, table, direction: .bidirectional)
                try? buffer.detach(attachment)
                throw error
            }
        }
        return ImportedDMABuf(buffer: buffer, chunks: chunks) {
            try? buffer.unmap(attachment, table, direction: .bidirectional)
            try? buffer.detach(attachment)
            try? buffer.put()
        }
    }

    /// A protected allocation over an imported buffer.
    static func protectedAllocation(
        _ buffer: DMABuf, request: ProtectedMemoryRequest, device: DMADevice, origin: String, takeReference: Bool
    ) throws(Errno) -> ProtectedAllocation {
        let imported = try importBuffer(buffer, size: request.size, device: device, takeReference: takeReference)
        return ProtectedAllocation(size: request.size, chunks: imported.chunks, purpose: request.purpose, origin: origin, dmaBuf: buffer) {
            imported.release()
        }
    }

    /// `dma_heap_buffer_alloc(heap, size, DMA_HEAP_VALID_FD_FLAGS, DMA_HEAP_VALID_HEAP_FLAGS)`
    /// then the import, as RFC patch 4 allocates a protected kernel BO. The buffer is put again
    /// if the import fails.
    static func allocate(from heap: DMAHeap, registry: DMAHeapRegistry, request: ProtectedMemoryRequest, device: DMADevice, origin: String) throws(Errno) -> ProtectedAllocation {
        let buffer = try registry.allocate(heap, length: request.size, fdFlags: .dmaHeapValidFDFlags, heapFlags: .valid)
        do {
            return try protectedAllocation(buffer, request: request, device: device, origin: origin, takeReference: false)
        } catch {
            try? buffer.put()
            throw error
        }
    }
}
