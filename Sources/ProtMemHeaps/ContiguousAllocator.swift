import ProtMemMemory
import Synchronization

/// The contiguous allocator behind `cma_alloc`/`dma_alloc_pages`: one CMA area shared by
/// everything that needs physically contiguous memory (the CMA heap, a TEE driver lending
/// memory to the secure world), so they compete for it as they do on a real board.
public final class ContiguousAllocator: Sendable {
    public let name: String
    public let range: PhysicalRange
    private let area: Mutex<CMAArea>
    /// Bumped after every allocation and release: see ``generation``.
    private let changes = Atomic<UInt64>(0)

    public init(area: CMAArea) {
        self.name = area.name
        self.range = area.range
        self.area = Mutex(area)
    }

    /// `cma_alloc(cma, pages, align)`, or `nil`.
    public func allocate(pages: UInt64, align: Int) -> PhysicalRange? {
        defer { changes.wrappingAdd(1, ordering: .releasing) }
        return area.withLock { $0.allocate(pages: pages, align: align) }
    }

    /// `cma_release`
    public func release(_ block: PhysicalRange) throws(Errno) {
        defer { changes.wrappingAdd(1, ordering: .releasing) }
        try area.withLock { area throws(Errno) in try area.release(block) }
    }

    /// Changes whenever ``freeBytes`` may have: an atomic read, for callers that poll the
    /// area far more often than it changes.
    public var generation: UInt64 { changes.load(ordering: .acquiring) }

    public var freeBytes: UInt64 { area.withLock { $0.freePages } << pageShift }
}
