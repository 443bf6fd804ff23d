import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A CMA heap (`drivers/dma-buf/heaps/cma_heap.c`): one physically contiguous run from a CMA
/// area per buffer, aligned to its own order (capped at `CONFIG_CMA_ALIGNMENT`), zeroed.
/// mmap works only as a shared mapping.
public final class CMAHeap: DMAHeapOps {
    /// `CONFIG_CMA_ALIGNMENT`'s default.
    public static let maximumAlignmentOrder = 8

    public let bus: Bus
    public let area: ContiguousAllocator
    let counters = Mutex(HeapCounters())
    public var name: String { area.name }

    public init(area: ContiguousAllocator, bus: Bus) {
        self.area = area
        self.bus = bus
    }

    /// `cma_heap_allocate`: `ENOMEM` when the area has no aligned run that long.
    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        let align = min(pageOrder(for: length), Self.maximumAlignmentOrder)
        guard let block = area.allocate(pages: length >> pageShift, align: align) else {
            counters.withLock { $0.failures += 1 }
            throw .noMemory
        }
        do {
            try bus.fill(.cpuNonSecure, block, with: 0)
            let dmabuf = try heap.export(CMAHeapBuffer(heap: self, block: block), size: length, fdFlags: fdFlags)
            counters.withLock { $0.allocated(length) }
            return dmabuf
        } catch {
            giveBack(block)
            counters.withLock { $0.failures += 1 }
            throw (error as? Errno) ?? .noMemory
        }
    }

    func giveBack(_ block: PhysicalRange) {
        try? area.release(block)
    }

    /// The area's: what the heap has free moves only when the area does.
    public var occupancyGeneration: UInt64? { area.generation }

    public var statistics: DMAHeapStatistics {
        let counters = counters.withLock { $0 }
        return DMAHeapStatistics(kind: "cma", size: area.range.size, free: area.freeBytes, isProtected: false,
                                 allocations: counters.allocations, failures: counters.failures)
    }
}

/// One CMA-heap buffer: a contiguous block and the ops of `cma_heap.c`.
final class CMAHeapBuffer: DMABufExporter {
    let heap: CMAHeap
    let block: PhysicalRange

    init(heap: CMAHeap, block: PhysicalRange) {
        self.heap = heap
        self.block = block
    }

    var exporterName: String { heap.name }
    var operations: DMABufOperations { [.attach, .detach, .beginCPUAccess, .endCPUAccess, .mmap, .vmap] }
    var table: SGTable { SGTable([SGEntry(address: block.base, length: block.size)]) }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable { table }
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}

    /// `cma_heap_mmap`: `EINVAL` unless the mapping is shared (`VM_SHARED|VM_MAYSHARE`).
    func mmap(_ request: MmapRequest) throws(Errno) -> SGTable {
        guard request.shared else { throw .invalidArgument }
        return table
    }

    func vmap() throws(Errno) -> SGTable { table }
    var backing: SGTable? { table }

    func release() {
        heap.giveBack(block)
        heap.counters.withLock { $0.released(block.size) }
    }
}
