import ProtMemMemory
import Synchronization

/// The board's page allocator: a ``BuddyAllocator`` shared by everything that takes ordinary
/// RAM, with `__GFP_ZERO` done by the normal-world CPU over the bus.
public final class PageAllocator: Sendable {
    public let bus: Bus
    private let buddy: Mutex<BuddyAllocator>
    /// Bumped after every allocation and free: see ``generation``.
    private let changes = Atomic<UInt64>(0)

    public init(bus: Bus, managing ranges: [PhysicalRange]) {
        self.bus = bus
        self.buddy = Mutex(BuddyAllocator(managing: ranges))
    }

    /// `alloc_pages(gfp | __GFP_ZERO, order)`, or `nil` when no block of that order is free.
    public func allocateZeroed(order: Int) -> PhysicalRange? {
        guard let block = buddy.withLock({ $0.allocate(order: order) }) else { return nil }
        changes.wrappingAdd(1, ordering: .releasing)
        do {
            try bus.fill(.cpuNonSecure, block, with: 0)
        } catch {
            // RAM the kernel cannot write is not RAM it may hand out: give it back and fail.
            try? free(block)
            return nil
        }
        return block
    }

    /// `__free_pages`
    public func free(_ block: PhysicalRange) throws(Errno) {
        try buddy.withLock { buddy throws(Errno) in try buddy.free(block) }
        changes.wrappingAdd(1, ordering: .releasing)
    }

    /// Changes whenever ``freeBytes`` may have: an atomic read, for callers that poll the
    /// allocator far more often than it changes.
    public var generation: UInt64 { changes.load(ordering: .acquiring) }

    public var freeBytes: UInt64 { buddy.withLock { $0.freePages } << pageShift }
    public var totalBytes: UInt64 { buddy.withLock { $0.totalPages } << pageShift }
    public var freeBlocksPerOrder: [Int] { buddy.withLock { $0.freeBlocksPerOrder } }
    /// See ``BuddyAllocator/metadataBytes``.
    public var metadataBytes: Int { buddy.withLock { $0.metadataBytes } }

    public func _checkInvariants() { buddy.withLock { $0._checkInvariants() } }
}
