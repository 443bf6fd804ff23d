import ProtMemHeaps
import ProtMemMemory

/// A seeded trace of allocations and frees, made in full before it is replayed, so a replay
/// measures the allocator and nothing of the trace's making: what the benchmarks time and
/// what their correctness tests replay on every allocator (Swift's and the C references').
///
/// Each ``Operation`` allocates into a slot or frees what the slot holds; the slots are
/// numbered densely, so a replay keeps what it holds in an array. The trace is made without
/// looking at any allocator, so every allocator sees the same calls (an allocation that
/// fails leaves its slot empty, and that slot's free does nothing).
public struct PoolTrace: Sendable, Hashable {
    /// Allocate `value` (pages for a pool, order + 1 for the buddy allocator) into `slot`;
    /// with `value` 0, free what `slot` holds. The layout of the C references'
    /// `cref_trace_op`.
    public struct Operation: Sendable, Hashable {
        public var slot: UInt32
        public var value: UInt32

        public init(slot: UInt32, value: UInt32) {
            self.slot = slot
            self.value = value
        }
    }

    public let operations: [Operation]
    /// One more than the highest slot any operation names.
    public let slots: Int

    /// The carve-out trace: `operations` steps, each an allocation or (evenly often) a
    /// free of a random live buffer; sizes of 1 to 4095 pages (4 KiB to 16 MiB), log-uniform
    /// (a power-of-two band drawn evenly, then a size in it); an allocation that would take
    /// the trace's live bytes past `liveLimit` is a free instead.
    public static func carveout(seed: UInt64, operations: Int, liveLimit: UInt64 = 256 << 20) -> PoolTrace {
        var random = SplitMix64(seed: seed)
        return make(operations: operations, liveLimit: liveLimit, random: &random) { random in
            let band = random.next() % 12
            return UInt32((1 << band) + random.next() % (1 << band))
        } bytes: { UInt64($0) << pageShift }
    }

    /// A page-allocator trace: orders 0…10, each half as likely as the one below (most
    /// requests are single pages, as the kernel's are), live bytes at most `liveLimit`.
    public static func buddy(seed: UInt64, operations: Int, liveLimit: UInt64 = 256 << 20) -> PoolTrace {
        var random = SplitMix64(seed: seed)
        return make(operations: operations, liveLimit: liveLimit, random: &random) { random in
            UInt32(min(random.next().trailingZeroBitCount, BuddyAllocator.maxOrder)) + 1
        } bytes: { pageSize << UInt64($0 - 1) }
    }

    /// A steady churn with `live` buffers held: `live` allocations of 1 to `maximumPages`
    /// pages, then `operations` pairs each freeing a random live buffer and allocating a new
    /// one. What shows how an allocator's cost grows with the buffers it holds.
    public static func churn(seed: UInt64, live: Int, operations: Int, maximumPages: UInt32 = 4) -> PoolTrace {
        precondition(live > 0 && maximumPages > 0)
        var random = SplitMix64(seed: seed)
        var ops: [Operation] = []
        ops.reserveCapacity(live + 2 * operations)
        var held = (0..<UInt32(live)).map { $0 }
        for slot in held { ops.append(Operation(slot: slot, value: 1 + UInt32(random.next() % UInt64(maximumPages)))) }
        for _ in 0..<operations {
            let index = Int(random.next() % UInt64(live))
            let slot = held[index]
            ops.append(Operation(slot: slot, value: 0))
            ops.append(Operation(slot: slot, value: 1 + UInt32(random.next() % UInt64(maximumPages))))
            held[index] = slot
        }
        return PoolTrace(operations: ops, slots: live)
    }

    /// The pages a pool needs to hold `live` churn buffers of at most `maximumPages` pages
    /// with room to spare: twice their largest total.
    public static func churnPoolPages(live: Int, maximumPages: UInt32 = 4) -> UInt64 {
        2 * UInt64(live) * UInt64(maximumPages)
    }

    init(operations: [Operation], slots: Int) {
        self.operations = operations
        self.slots = slots
    }

    private static func make(operations count: Int, liveLimit: UInt64, random: inout SplitMix64,
                             value: (inout SplitMix64) -> UInt32, bytes: (UInt32) -> UInt64) -> PoolTrace {
        var ops: [Operation] = []
        ops.reserveCapacity(count)
        var live: [(slot: UInt32, bytes: UInt64)] = []
        var spare: [UInt32] = []
        var slots: UInt32 = 0
        var liveBytes: UInt64 = 0
        for _ in 0..<count {
            let wanted = value(&random)
            let size = bytes(wanted)
            if live.isEmpty || (random.next() & 1 == 0 && liveBytes + size <= liveLimit) {
                let slot: UInt32
                if let reused = spare.popLast() {
                    slot = reused
                } else {
                    slot = slots
                    slots += 1
                }
                ops.append(Operation(slot: slot, value: wanted))
                live.append((slot, size))
                liveBytes += size
            } else {
                let index = Int(random.next() % UInt64(live.count))
                let freed = live[index]
                live[index] = live[live.count - 1]
                live.removeLast()
                liveBytes -= freed.bytes
                ops.append(Operation(slot: freed.slot, value: 0))
                spare.append(freed.slot)
            }
        }
        return PoolTrace(operations: ops, slots: Int(slots))
    }
}
