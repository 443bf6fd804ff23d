import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory

extension PoolTrace {
    /// What a replay did: the same fields the C references' `cref_replay_outcome` has, so a
    /// test can see that every allocator made the same calls and got the same answers.
    public struct Outcome: Sendable, Hashable {
        public var allocations: UInt64 = 0
        public var failures: UInt64 = 0
        public var frees: UInt64 = 0
        /// The most bytes live at once.
        public var peakLive: UInt64 = 0
        /// The most bytes from the pool's base to the end of its highest live allocation:
        /// `peakExtent / peakLive` is how well the allocator packs.
        public var peakExtent: UInt64 = 0
        /// Each allocation's address times its step, summed (mod 2^64): equal sums mean the
        /// same addresses. Zero for replays that do not see addresses (through the heap).
        public var addressSum: UInt64 = 0

        public init(allocations: UInt64 = 0, failures: UInt64 = 0, frees: UInt64 = 0, peakLive: UInt64 = 0, peakExtent: UInt64 = 0, addressSum: UInt64 = 0) {
            self.allocations = allocations
            self.failures = failures
            self.frees = frees
            self.peakLive = peakLive
            self.peakExtent = peakExtent
            self.addressSum = addressSum
        }

        /// Peak extent over peak live: 1 is perfect packing.
        public var packing: Double { peakLive == 0 ? 0 : Double(peakExtent) / Double(peakLive) }
    }

    /// Replays the trace (sizes in pages) on `pool`, whose first chunk starts at `base`, then
    /// frees whatever is still held. Generic, and inlinable so a caller specialises it for
    /// its allocator: a benchmark times the allocator, not protocol dispatch.
    @inlinable
    public func replay<Pool: PoolAllocator>(on pool: inout Pool, base: PhysicalAddress) -> Outcome {
        var outcome = Outcome()
        var address = [UInt64](repeating: 0, count: slots)
        var bytes = [UInt64](repeating: 0, count: slots)
        var live: UInt64 = 0
        for (step, operation) in operations.enumerated() {
            let slot = Int(operation.slot)
            if operation.value == 0 {
                if bytes[slot] != 0 {
                    try? pool.free(PhysicalAddress(address[slot]), size: bytes[slot])
                    live -= bytes[slot]
                    bytes[slot] = 0
                    outcome.frees += 1
                }
                continue
            }
            let size = UInt64(operation.value) << pageShift
            guard let got = pool.allocate(size) else {
                outcome.failures += 1
                continue
            }
            address[slot] = got.rawValue
            bytes[slot] = size
            live += size
            outcome.allocations += 1
            outcome.addressSum &+= got.rawValue &* UInt64(step + 1)
            outcome.peakLive = max(outcome.peakLive, live)
            outcome.peakExtent = max(outcome.peakExtent, got.rawValue + size - base.rawValue)
        }
        for slot in 0..<slots where bytes[slot] != 0 { try? pool.free(PhysicalAddress(address[slot]), size: bytes[slot]) }
        return outcome
    }

    /// Replays the trace (values order + 1) on `buddy`, whose managed memory starts at
    /// `base`, then frees whatever is still held.
    @inlinable
    public func replay(on buddy: inout BuddyAllocator, base: PhysicalAddress) -> Outcome {
        var outcome = Outcome()
        var held = [PhysicalRange?](repeating: nil, count: slots)
        var live: UInt64 = 0
        for (step, operation) in operations.enumerated() {
            let slot = Int(operation.slot)
            if operation.value == 0 {
                if let block = held[slot] {
                    try? buddy.free(block)
                    live -= block.size
                    held[slot] = nil
                    outcome.frees += 1
                }
                continue
            }
            guard let block = buddy.allocate(order: Int(operation.value) - 1) else {
                outcome.failures += 1
                continue
            }
            held[slot] = block
            live += block.size
            outcome.allocations += 1
            outcome.addressSum &+= block.base.rawValue &* UInt64(step + 1)
            outcome.peakLive = max(outcome.peakLive, live)
            outcome.peakExtent = max(outcome.peakExtent, block.end - base.rawValue)
        }
        for case let block? in held { try? buddy.free(block) }
        return outcome
    }

    /// Replays the trace (sizes in pages) through the heap framework: each allocation a
    /// `DMA_HEAP_IOCTL_ALLOC` (`registry.allocate`, the heap, export), each free the last
    /// `dma_buf_put` (release, the heap's scrub, the pool). Addresses are not seen, so
    /// ``Outcome/addressSum`` and ``Outcome/peakExtent`` stay 0. Errors other than `ENOMEM`
    /// stop the replay and are thrown.
    public func replay(on registry: DMAHeapRegistry, heap: DMAHeap) throws(Errno) -> Outcome {
        var outcome = Outcome()
        var held = [DMABuf?](repeating: nil, count: slots)
        var live: UInt64 = 0
        defer { for case let buffer? in held { try? buffer.put() } }
        for operation in operations {
            let slot = Int(operation.slot)
            if operation.value == 0 {
                if let buffer = held[slot] {
                    held[slot] = nil
                    live -= buffer.size
                    try buffer.put()
                    outcome.frees += 1
                }
                continue
            }
            do {
                let buffer = try registry.allocate(heap, length: UInt64(operation.value) << pageShift, fdFlags: [.readWrite, .closeOnExec])
                held[slot] = buffer
                live += buffer.size
                outcome.allocations += 1
                outcome.peakLive = max(outcome.peakLive, live)
            } catch .noMemory {
                outcome.failures += 1
            }
        }
        return outcome
    }
}
