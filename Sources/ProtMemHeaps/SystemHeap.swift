import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// The `system` heap (`drivers/dma-buf/heaps/system_heap.c`): ordinary RAM from the page
/// allocator in chunks of order 8, 4 and 0 (1 MiB, 64 KiB, 4 KiB), zeroed, largest first and
/// never going back up to a larger order, one scatter entry per chunk. It supports mmap,
/// vmap and CPU access brackets.
public final class SystemHeap: DMAHeapOps {
    /// `orders[]`
    public static let orders = [8, 4, 0]

    public let pages: PageAllocator
    let counters = Mutex(HeapCounters())

    public init(pages: PageAllocator) {
        self.pages = pages
    }

    /// `system_heap_allocate`: takes chunks until `length` is covered; if any allocation fails
    /// everything taken so far goes back and the answer is `ENOMEM`.
    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        guard let chunks = Self.allocateChunks(length, from: pages) else {
            counters.withLock { $0.failures += 1 }
            throw .noMemory
        }
        let buffer = SystemHeapBuffer(heap: self, name: heap.name, chunks: chunks, size: length)
        do {
            let dmabuf = try heap.export(buffer, size: length, fdFlags: fdFlags)
            counters.withLock { $0.allocated(length) }
            return dmabuf
        } catch {
            giveBack(chunks)
            counters.withLock { $0.failures += 1 }
            throw error
        }
    }

    /// The system heap's page gathering: zeroed chunks covering `length` (page-aligned),
    /// largest order first and never going back up; `nil` (with everything given back) when
    /// the page allocator runs dry. Other heaps that take ordinary RAM in chunks use it too.
    public static func allocateChunks(_ length: UInt64, from pages: PageAllocator) -> [PhysicalRange]? {
        var chunks: [PhysicalRange] = []
        var remaining = length
        var maxOrder = orders[0]
        while remaining > 0 {
            guard let chunk = allocateLargestAvailable(remaining, maxOrder: maxOrder, from: pages) else {
                for chunk in chunks { try? pages.free(chunk) }
                return nil
            }
            chunks.append(chunk.range)
            remaining -= min(remaining, chunk.range.size)
            maxOrder = chunk.order
        }
        return chunks
    }

    /// `alloc_largest_available`: the first order that fits the remaining size and is not above
    /// `maxOrder` and that the page allocator can satisfy.
    private static func allocateLargestAvailable(_ size: UInt64, maxOrder: Int, from pages: PageAllocator) -> (range: PhysicalRange, order: Int)? {
        for order in orders {
            guard size >= pageSize << UInt64(order), maxOrder >= order else { continue }
            if let block = pages.allocateZeroed(order: order) { return (block, order) }
        }
        return nil
    }

    func giveBack(_ chunks: [PhysicalRange]) {
        for chunk in chunks { try? pages.free(chunk) }
    }

    /// The page allocator's: what the heap has free moves only when the allocator does.
    public var occupancyGeneration: UInt64? { pages.generation }

    public var statistics: DMAHeapStatistics {
        let counters = counters.withLock { $0 }
        return DMAHeapStatistics(kind: "system", size: pages.totalBytes, free: pages.freeBytes, isProtected: false,
                                 allocations: counters.allocations, failures: counters.failures)
    }
}

/// One system-heap buffer: its chunks, and the `dma_buf_ops` of `system_heap.c`.
final class SystemHeapBuffer: DMABufExporter {
    let heap: SystemHeap
    let exporterName: String
    let table: SGTable
    let size: UInt64

    init(heap: SystemHeap, name: String, chunks: [PhysicalRange], size: UInt64) {
        self.heap = heap
        self.exporterName = name
        self.table = SGTable(chunks.map { SGEntry(address: $0.base, length: $0.size) })
        self.size = size
    }

    var operations: DMABufOperations { [.attach, .detach, .beginCPUAccess, .endCPUAccess, .mmap, .vmap] }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable { table }
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}

    /// `remap_pfn_range` page by page: a private (copy-on-write) mapping passes only when one
    /// call covers the whole VMA, so a private mapping of more than one page is `EINVAL`.
    func mmap(_ request: MmapRequest) throws(Errno) -> SGTable {
        if !request.shared && request.pageCount > 1 { throw .invalidArgument }
        return table
    }

    func vmap() throws(Errno) -> SGTable { table }
    var backing: SGTable? { table }

    func release() {
        heap.giveBack(table.entries.compactMap(\.range))
        heap.counters.withLock { $0.released(size) }
    }
}
