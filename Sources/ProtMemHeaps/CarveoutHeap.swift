import ProtMemDMABuf
import ProtMemMemory
import Synchronization

/// A protected carve-out heap: a reserved `no-map` region that the secure world has put
/// behind the memory firewall at boot, handed out by a page-granular first-fit `gen_pool`
/// (as OP-TEE's static protected pool is), one contiguous scatter entry per buffer. The board
/// may choose another ``PoolAllocatorKind`` (`protmem,allocator`); each packs like first fit.
///
/// The heap never touches its own memory: the kernel has no mapping of a `no-map` region
/// and the firewall would refuse it anyway. Every freed buffer is scrubbed by the secure
/// world before its pages return to the pool, so a new buffer always reads as zeros and
/// never shows what a previous owner left.
public final class CarveoutHeap: DMAHeapOps {
    /// How a protected heap answers CPU access. The real protected heaps differ, so both are
    /// modelled and the board chooses:
    public enum CPUAccessPolicy: String, Sendable, Hashable, Codable {
        /// Mainline `tee_heap.c` (6.18): no `mmap`, `vmap` or CPU-access ops at all, so the
        /// core answers `EINVAL` to mmap and vmap, and 0 to `DMA_BUF_IOCTL_SYNC`.
        case teeHeap = "tee-heap"
        /// MediaTek's restricted heap (v5): `mmap` and `begin/end_cpu_access` present and
        /// answering `EPERM`; no `vmap`, so `EINVAL`.
        case restrictedHeap = "restricted-heap"
    }

    public let name: String
    public let region: PhysicalRange
    public let policy: CPUAccessPolicy
    /// What hands the region out (`protmem,allocator`).
    public let allocator: PoolAllocatorKind
    let scrubber: any ProtectedMemoryScrubber

    struct State {
        var pool: any PoolAllocator
        var counters = HeapCounters()
        /// Pages whose scrub the bus refused: never handed out again.
        var quarantined: [PhysicalRange] = []
    }

    let state: Mutex<State>
    /// Bumped after every change to the pool: the heap's ``occupancyGeneration``.
    private let changes = Atomic<UInt64>(0)

    /// Refuses a region that is not page-aligned, not DRAM, or that the normal-world CPU can
    /// still read or write: a protected heap over unprotected memory would be a lie.
    public init(name: String, region: PhysicalRange, bus: Bus, scrubber: any ProtectedMemoryScrubber, policy: CPUAccessPolicy = .teeHeap,
                allocator: PoolAllocatorKind = .firstFit) throws(HeapConfigurationError) {
        guard region.isPageAligned, !region.isEmpty else {
            throw HeapConfigurationError(heap: name, reason: "region \(region) is not a non-empty whole number of 4 KiB pages")
        }
        guard bus.memory.contains(region) else {
            throw HeapConfigurationError(heap: name, reason: "region \(region) is not backed by DRAM")
        }
        for kind in [AccessKind.read, .write] where bus.permits(.cpuNonSecure, region, kind) {
            throw HeapConfigurationError(heap: name, reason: "region \(region) is not protected: the non-secure CPU may \(kind) it, so the firewall was not programmed for it")
        }
        var pool = allocator.makePool(minAllocOrder: Int(pageShift))
        do {
            try pool.add(region)
            try scrubber.scrub(region)
        } catch {
            throw HeapConfigurationError(heap: name, reason: "cannot prepare region \(region): \(error)")
        }
        self.name = name
        self.region = region
        self.policy = policy
        self.allocator = allocator
        self.scrubber = scrubber
        self.state = Mutex(State(pool: pool))
    }

    /// `gen_pool_alloc` of the page-aligned length; `ENOMEM` when no run is free.
    public func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        defer { changes.wrappingAdd(1, ordering: .releasing) }
        guard let address = state.withLock({ $0.pool.allocate(length) }), let block = PhysicalRange(base: address, size: length) else {
            state.withLock { $0.counters.failures += 1 }
            throw .noMemory
        }
        do {
            let dmabuf = try heap.export(CarveoutHeapBuffer(heap: self, block: block), size: length, fdFlags: fdFlags)
            state.withLock { $0.counters.allocated(length) }
            return dmabuf
        } catch {
            // Never handed out, so never written: it goes straight back.
            state.withLock { state in
                try? state.pool.free(block.base, size: block.size)
                state.counters.failures += 1
            }
            throw error
        }
    }

    /// Scrub, then return to the pool; a block the bus will not let the scrubber clear stays
    /// out of the pool for good.
    func release(_ block: PhysicalRange) {
        let scrubbed: Bool
        do {
            try scrubber.scrub(block)
            scrubbed = true
        } catch {
            scrubbed = false
        }
        defer { changes.wrappingAdd(1, ordering: .releasing) }
        state.withLock { state in
            if scrubbed {
                try? state.pool.free(block.base, size: block.size)
            } else {
                state.quarantined.append(block)
            }
            state.counters.released(block.size)
        }
    }

    public var statistics: DMAHeapStatistics {
        state.withLock { state in
            DMAHeapStatistics(kind: "carveout", size: region.size, free: state.pool.available, isProtected: true,
                              allocations: state.counters.allocations, failures: state.counters.failures)
        }
    }

    public var occupancyGeneration: UInt64? { changes.load(ordering: .acquiring) }

    /// The largest buffer that could still be allocated.
    public var largestFreeExtent: UInt64 { state.withLock { $0.pool.largestFreeExtent } }
    public var quarantined: [PhysicalRange] { state.withLock { $0.quarantined } }
    /// Free extents of the pool: memory that must read as zeros.
    public var freeExtents: [PhysicalRange] { state.withLock { $0.pool.freeExtents } }

    public func _checkInvariants() {
        state.withLock { state in
            state.pool._checkInvariants()
            let quarantinedBytes = state.quarantined.reduce(0) { $0 + $1.size }
            precondition(state.pool.size - state.pool.available == state.counters.liveBytes + quarantinedBytes,
                         "carve-out \(name): pool in use \(state.pool.size - state.pool.available) != live \(state.counters.liveBytes) + quarantined \(quarantinedBytes)")
        }
    }
}

/// One carve-out buffer. Its ops follow the heap's ``CarveoutHeap/CPUAccessPolicy``.
final class CarveoutHeapBuffer: DMABufExporter {
    let heap: CarveoutHeap
    let block: PhysicalRange

    init(heap: CarveoutHeap, block: PhysicalRange) {
        self.heap = heap
        self.block = block
    }

    var exporterName: String { heap.name }

    var operations: DMABufOperations {
        switch heap.policy {
        case .teeHeap: [.attach, .detach]
        case .restrictedHeap: [.attach, .detach, .mmap, .beginCPUAccess, .endCPUAccess]
        }
    }

    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable {
        SGTable([SGEntry(address: block.base, length: block.size)])
    }

    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection) {}

    func mmap(_ request: MmapRequest) throws(Errno) -> SGTable { throw .notPermitted }
    func beginCPUAccess(direction: DMADataDirection) throws(Errno) { throw .notPermitted }
    func endCPUAccess(direction: DMADataDirection) throws(Errno) { throw .notPermitted }

    func release() { heap.release(block) }
    var backing: SGTable? { SGTable([SGEntry(address: block.base, length: block.size)]) }
}
