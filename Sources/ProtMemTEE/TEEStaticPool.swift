import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// `tee_protmem_static_pool_alloc`: a page-granular `gen_pool` over the range OP-TEE reports
/// with `GET_PROTMEM_CONFIG`, which the secure world protected at boot.
///
/// Mainline frees a buffer straight back to the pool, so the next protected consumer can see
/// what the previous one left. The model asks the secure world to scrub each freed buffer
/// first (``scrubsOnFree``, on by default, since ProtMem's invariants demand it); turn it off
/// to see mainline's behaviour.
public final class TEEStaticPool: TEEProtectedMemoryPool {
    public let range: PhysicalRange
    public let scrubsOnFree: Bool
    let scrubber: any ProtectedMemoryScrubber
    private let pool: Mutex<GenPool>
    /// Bumped after every allocation and free: the pool's ``occupancyGeneration``.
    private let changes = Atomic<UInt64>(0)

    /// `EINVAL` unless page-aligned and DRAM (`pfn_valid`), as the kernel checks.
    public init(range: PhysicalRange, memory: PhysicalMemory, scrubber: any ProtectedMemoryScrubber, scrubsOnFree: Bool = true) throws(Errno) {
        guard range.isPageAligned, !range.isEmpty, memory.contains(PhysicalRange(base: range.base, size: pageSize) ?? range) else { throw .invalidArgument }
        var pool = GenPool(minAllocOrder: Int(pageShift))
        try pool.add(range)
        self.range = range
        self.scrubber = scrubber
        self.scrubsOnFree = scrubsOnFree
        self.pool = Mutex(pool)
    }

    public func allocate(_ size: UInt64) throws(Errno) -> SGTable {
        let address = pool.withLock { $0.allocate(size) }
        changes.add(1, ordering: .releasing)
        guard let address else { throw .noMemory }
        return SGTable([SGEntry(address: address, length: size)])
    }

    public func free(_ table: SGTable) {
        for entry in table.entries {
            guard let block = entry.range else { continue }
            if scrubsOnFree {
                // A block the secure world will not wipe is never handed out again.
                guard (try? scrubber.scrub(block)) != nil else { continue }
            }
            pool.withLock { try? $0.free(block.base, size: block.size) }
            changes.add(1, ordering: .releasing)
        }
    }

    public func destroy() {}

    /// Free extents of the pool: memory that must read as zeros when scrubbing is on.
    public var freeExtents: [PhysicalRange] { pool.withLock { $0.freeExtents } }

    public var kind: String { "optee-static" }
    public var size: UInt64 { range.size }
    public var available: UInt64 { pool.withLock { $0.available } }
    public var occupancyGeneration: UInt64? { changes.load(ordering: .acquiring) }
}
