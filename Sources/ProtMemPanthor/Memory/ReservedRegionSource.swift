import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// Why a reserved region cannot back the GPU's protected memory.
public struct ProtectedRegionError: Error, Hashable, Sendable, CustomStringConvertible {
    public let region: PhysicalRange
    public let reason: String
    public var description: String { "protected memory-region \(region): \(reason)" }
}

/// Design 2: the GPU node's `memory-region` points at a `no-map` region, and the driver
/// allocates from it directly with its own page-granular `gen_pool`, one contiguous block per
/// allocation, as kbase's reference protected-memory allocator does with its bitmap.
///
/// The driver cannot write the region (the firewall keeps the normal world out), so it asks
/// the secure world to scrub it once at probe and every block on free; a block whose scrub is
/// refused is never handed out again.
public final class ReservedRegionSource: ProtectedMemorySource {
    public let region: PhysicalRange
    let scrubber: any ProtectedMemoryScrubber

    private struct State {
        var pool: GenPool
        var quarantined: [PhysicalRange] = []
    }

    private let state: Mutex<State>

    public var design: ProtectedMemoryDesign { .reservedRegion }
    public var name: String { "reserved region \(region)" }
    public var zeroesNewMemory: Bool { true }

    /// Refuses a region that is not whole pages of DRAM, that the normal-world CPU may still
    /// read or write (it would not be protected), or that the GPU in protected mode may not
    /// read and write (it could not use it).
    public init(region: PhysicalRange, bus: Bus, scrubber: any ProtectedMemoryScrubber) throws(ProtectedRegionError) {
        func fail(_ reason: String) -> ProtectedRegionError { ProtectedRegionError(region: region, reason: reason) }
        guard region.isPageAligned, !region.isEmpty else { throw fail("not a non-empty whole number of 4 KiB pages") }
        guard bus.memory.contains(region) else { throw fail("not backed by DRAM") }
        for kind in [AccessKind.read, .write] {
            guard !bus.permits(.cpuNonSecure, region, kind) else {
                throw fail("not protected: the non-secure CPU may \(kind) it")
            }
            if let refusal = bus.verdict(.gpuProtected, region, kind) {
                throw fail("the GPU in protected mode may not \(kind) it (\(refusal.reason))")
            }
        }
        var pool = GenPool(minAllocOrder: Int(pageShift))
        do {
            try pool.add(region)
            try scrubber.scrub(region)
        } catch {
            throw fail("cannot prepare it: \(error)")
        }
        self.region = region
        self.scrubber = scrubber
        self.state = Mutex(State(pool: pool))
    }

    public func allocate(_ request: ProtectedMemoryRequest) throws(Errno) -> ProtectedAllocation {
        guard request.size > 0, request.size & (pageSize - 1) == 0 else { throw .invalidArgument }
        guard let base = state.withLock({ $0.pool.allocate(request.size) }) else { throw .noMemory }
        let block = PhysicalRange(base: base, size: request.size)!
        return ProtectedAllocation(size: request.size, chunks: [block], purpose: request.purpose, origin: name, dmaBuf: nil) { [self] in
            give(back: block)
        }
    }

    private func give(back block: PhysicalRange) {
        let scrubbed = (try? scrubber.scrub(block)) != nil
        state.withLock { state in
            if scrubbed {
                try? state.pool.free(block.base, size: block.size)
            } else {
                state.quarantined.append(block)
            }
        }
    }

    public func release() {}

    /// Bytes still free in the region.
    public var available: UInt64 { state.withLock { $0.pool.available } }
    public var quarantined: [PhysicalRange] { state.withLock { $0.quarantined } }
}
