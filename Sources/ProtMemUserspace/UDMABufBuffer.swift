import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// One udmabuf: memfd pages it has pinned, and the `dma_buf_ops` of `udmabuf.c` (6.12):
/// map/unmap, mmap (shared only), vmap, begin/end CPU access, release. No attach or detach
/// ops (the core attaches without them).
///
/// The pages are the memfd's own, so a store through either is seen through the other.
final class UDMABufBuffer: DMABufExporter {
    let frames: [MemFDFrame]
    let table: SGTable
    /// `ubuf->sg`: made on the first `begin_cpu_access`; until then `end_cpu_access` has
    /// nothing to sync and answers `EINVAL`.
    private let hasCPUTable = Mutex(false)

    init(frames: [MemFDFrame]) {
        self.frames = frames
        // sg_alloc_table_from_pages merges physically contiguous pages into one entry.
        var entries: [SGEntry] = []
        for frame in frames {
            if let last = entries.last, last.address.rawValue + last.length == frame.range.base.rawValue {
                entries[entries.count - 1] = SGEntry(address: last.address, length: last.length + frame.range.size)
            } else {
                entries.append(SGEntry(address: frame.range.base, length: frame.range.size))
            }
        }
        self.table = SGTable(entries)
    }

    /// `KBUILD_MODNAME`: the exporter info is the default, so `exp_name` is the module's.
    var exporterName: String { "udmabuf" }
    var operations: DMABufOperations { [.mmap, .vmap, .beginCPUAccess, .endCPUAccess] }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable { table }
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}

    /// `mmap_udmabuf`: `EINVAL` unless the mapping is shared (`VM_SHARED | VM_MAYSHARE`).
    func mmap(_ request: MmapRequest) throws(Errno) -> SGTable {
        guard request.shared else { throw .invalidArgument }
        return table
    }

    func vmap() throws(Errno) -> SGTable { table }

    func beginCPUAccess(direction: DMADataDirection) throws(Errno) {
        hasCPUTable.withLock { $0 = true }
    }

    func endCPUAccess(direction: DMADataDirection) throws(Errno) {
        guard hasCPUTable.withLock({ $0 }) else { throw .invalidArgument }
    }

    /// `release_udmabuf`: unpins every page; those the memfd no longer holds go back to the
    /// page allocator.
    func release() {
        for frame in frames { frame.put() }
    }
}
