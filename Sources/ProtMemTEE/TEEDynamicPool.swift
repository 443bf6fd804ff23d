import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// OP-TEE's dynamic protected pool (`protmem.c`): nothing is protected until the first
/// allocation, which takes `min_size` contiguous bytes, lends them with `LEND_PROTMEM`, and
/// builds a `gen_pool` over them. The pool counts its live buffers; when the last one goes it
/// is reclaimed with `RECLAIM_PROTMEM` and the memory returns to the kernel. It never grows.
///
/// Where Linux ignores a failed reclaim and frees memory the secure world still protects, the
/// model keeps the block lent and owned by the pool and tries the reclaim again on the next
/// release, so no page is ever both the kernel's and protected.
public final class TEEDynamicPool: TEEProtectedMemoryPool {
    public let driver: OPTEEDriver
    public let useCase: ProtectedMemoryUseCase
    public let minimumSize: UInt64
    public let scrubsOnFree: Bool
    let source: ContiguousAllocator
    let scrubber: any ProtectedMemoryScrubber

    struct State {
        var lent: PhysicalRange?
        var pool: GenPool?
        var buffers = 0
        var lends = 0
        var reclaims = 0
        /// A reclaim the secure world refused; retried on the next release.
        var reclaimPending = false
    }

    private let state = Mutex(State())
    /// Bumped after every allocation and release (a lend or a reclaim happens only within
    /// one): the pool's ``occupancyGeneration``.
    private let changes = Atomic<UInt64>(0)

    /// `optee_protmem_alloc_dyn_pool`: asks OP-TEE for the use case's minimum size.
    public init(driver: OPTEEDriver, useCase: ProtectedMemoryUseCase, source: ContiguousAllocator, scrubber: any ProtectedMemoryScrubber, scrubsOnFree: Bool = true) throws(Errno) {
        let config = try driver.protectedMemoryConfig(for: useCase)
        guard config.minimumSize > 0, let aligned = pageAlignUp(config.minimumSize) else { throw .invalidArgument }
        self.driver = driver
        self.useCase = useCase
        self.minimumSize = aligned
        self.source = source
        self.scrubber = scrubber
        self.scrubsOnFree = scrubsOnFree
    }

    /// The cookie OP-TEE knows the lent block by (`shm_ref`).
    var cookie: UInt64 { UInt64(UInt(bitPattern: ObjectIdentifier(self).hashValue)) }

    public func allocate(_ size: UInt64) throws(Errno) -> SGTable {
        defer { changes.add(1, ordering: .releasing) }
        return try state.withLock { state throws(Errno) -> SGTable in
            if state.pool == nil {
                if state.reclaimPending { try retryReclaim(&state) }
                try lend(&state)
            }
            guard let address = state.pool?.allocate(size) else {
                if state.buffers == 0 { reclaim(&state) }
                throw .noMemory
            }
            state.buffers += 1
            return SGTable([SGEntry(address: address, length: size)])
        }
    }

    public func free(_ table: SGTable) {
        for entry in table.entries {
            guard let block = entry.range else { continue }
            if scrubsOnFree, (try? scrubber.scrub(block)) == nil { continue }
            state.withLock { state in
                try? state.pool?.free(block.base, size: block.size)
                state.buffers -= 1
                if state.buffers == 0 { reclaim(&state) }
            }
            changes.add(1, ordering: .releasing)
        }
    }

    public func destroy() {}

    /// `init_dyn_protmem`: contiguous memory, lent, then a pool over it; any failure gives the
    /// memory back and leaves nothing lent.
    private func lend(_ state: inout State) throws(Errno) {
        guard let block = source.allocate(pages: minimumSize >> pageShift, align: 0) else { throw .noMemory }
        do {
            try driver.lendProtectedMemory(block, useCase: useCase, cookie: cookie)
        } catch {
            try? source.release(block)
            throw error
        }
        var pool = GenPool(minAllocOrder: Int(pageShift))
        try? pool.add(block)
        state.lent = block
        state.pool = pool
        state.lends += 1
    }

    /// `release_dyn_protmem`
    private func reclaim(_ state: inout State) {
        guard let block = state.lent else { return }
        state.pool = nil
        do {
            try reclaimLent(block)
            try? source.release(block)
            state.lent = nil
            state.reclaims += 1
        } catch {
            state.reclaimPending = true
        }
    }

    private func retryReclaim(_ state: inout State) throws(Errno) {
        guard let block = state.lent else { state.reclaimPending = false; return }
        try reclaimLent(block)
        try? source.release(block)
        state.lent = nil
        state.reclaimPending = false
        state.reclaims += 1
    }

    /// `RECLAIM_PROTMEM` of the lent block, which holds no buffer any more. OP-TEE refuses to
    /// unprotect memory that still holds data; a pool that does not scrub what it frees (as
    /// mainline's) wipes the whole block through the secure world first, then asks again.
    private func reclaimLent(_ block: PhysicalRange) throws(Errno) {
        do {
            try driver.reclaimProtectedMemory(cookie: cookie)
        } catch {
            guard !scrubsOnFree, (try? scrubber.scrub(block)) != nil else { throw error }
            try driver.reclaimProtectedMemory(cookie: cookie)
        }
    }

    public var kind: String { "optee-dynamic" }
    public var size: UInt64 { minimumSize }
    public var available: UInt64 { state.withLock { $0.pool?.available ?? (($0.lent == nil) ? minimumSize : 0) } }
    public var occupancyGeneration: UInt64? { changes.load(ordering: .acquiring) }
    /// The range lent to OP-TEE now, if any.
    public var lentRange: PhysicalRange? { state.withLock { $0.lent } }
    public var lendCount: Int { state.withLock { $0.lends } }
    public var reclaimCount: Int { state.withLock { $0.reclaims } }
}
