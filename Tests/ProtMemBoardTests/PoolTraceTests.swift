import CReferenceAllocators
import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemTestSupport
import Testing

/// Fast correctness checks for the allocator benchmarks (`Benchmarks/`, `ProtMemRatios`):
/// the traces are what they say, and every allocator a ratio compares (Swift's and the C
/// references') makes the same calls and gets the same answers on them.
@Suite struct PoolTraceTests {
    static let pool = PoolTrace.carveoutRange

    @Test func theCarveoutTraceIsSeededAndWithinItsLimits() {
        let trace = PoolTrace.carveout(seed: 1, operations: 50_000)
        #expect(trace == PoolTrace.carveout(seed: 1, operations: 50_000))
        #expect(trace != PoolTrace.carveout(seed: 2, operations: 50_000))
        #expect(trace.operations.count == 50_000)
        var live: [UInt32: UInt64] = [:]
        var liveBytes: UInt64 = 0, peak: UInt64 = 0
        var sizes: Set<UInt32> = []
        for operation in trace.operations {
            #expect(Int(operation.slot) < trace.slots)
            if operation.value == 0 {
                liveBytes -= live.removeValue(forKey: operation.slot)!
            } else {
                #expect(live[operation.slot] == nil && (1...4095).contains(operation.value))
                live[operation.slot] = UInt64(operation.value) << pageShift
                liveBytes += UInt64(operation.value) << pageShift
                sizes.insert(operation.value)
            }
            peak = max(peak, liveBytes)
        }
        #expect(peak <= 256 << 20 && peak > 200 << 20, "the trace should run near its live limit, peaked at \(peak)")
        #expect(sizes.contains(1) && sizes.contains { $0 >= 2048 }, "sizes span 4 KiB to 16 MiB")
    }

    /// First fit, the extent tree and the C first fit agree address for address.
    @Test func everyFirstFitGivesTheSameAddresses() throws {
        let trace = PoolTrace.carveout(seed: 0x5EED, operations: 20_000)
        var firstFit = GenPool(), tree = ExtentTreeAllocator()
        try firstFit.add(Self.pool)
        try tree.add(Self.pool)
        let expected = trace.replay(on: &firstFit, base: Self.pool.base)
        #expect(trace.replay(on: &tree, base: Self.pool.base) == expected)
        let c = try #require(cref_first_fit_create(Self.pool.base.rawValue, Self.pool.size, UInt32(pageShift)))
        defer { cref_first_fit_destroy(c) }
        let outcome = cref_first_fit_replay(c, trace.operations.map { cref_trace_op(slot: $0.slot, value: $0.value) }, trace.operations.count, UInt32(trace.slots))
        #expect(PoolTrace.Outcome(outcome) == expected)
        #expect(cref_first_fit_avail(c) == Self.pool.size && firstFit.available == Self.pool.size && tree.available == Self.pool.size)
        tree._checkInvariants()
        #expect(expected.allocations > 5_000 && expected.frees > 5_000)
        #expect(expected.packing >= 1 && expected.packing < 2)
        // The C first fit refuses what gen_pool refuses.
        #expect(cref_first_fit_free(c, Self.pool.base.rawValue, 4096) == -1)
        #expect(cref_first_fit_alloc(c, Self.pool.size + 1) == 0)
    }

    @Test func theChurnTraceHoldsItsLiveBuffersAndBothAllocatorsAgree() throws {
        let trace = PoolTrace.churn(seed: 3, live: 1000, operations: 5_000)
        #expect(trace.slots == 1000 && trace.operations.count == 1000 + 10_000)
        let range = PhysicalRange(checkedBase: 0x1_0000_0000, size: PoolTrace.churnPoolPages(live: 1000) << pageShift)
        var firstFit = GenPool(), tree = ExtentTreeAllocator()
        try firstFit.add(range)
        try tree.add(range)
        let expected = trace.replay(on: &firstFit, base: range.base)
        #expect(expected.failures == 0 && expected.allocations == 6_000 && expected.frees == 5_000)
        #expect(trace.replay(on: &tree, base: range.base) == expected)
        tree._checkInvariants()
    }

    /// The Swift buddy allocator and the C one, the same algorithm, hand out the same blocks.
    @Test func bothBuddyAllocatorsGiveTheSameBlocks() throws {
        let trace = PoolTrace.buddy(seed: 9, operations: 50_000, liveLimit: 16 << 20)
        #expect(trace.operations.allSatisfy { $0.value <= 11 })
        let managed = PhysicalRange(checkedBase: 0x4000_0000, size: 12 << 20) // less than the trace holds: some orders fail
        var buddy = BuddyAllocator(managing: [managed])
        let expected = trace.replay(on: &buddy, base: managed.base)
        #expect(expected.failures > 0 && expected.allocations > 10_000)
        let c = try #require(cref_buddy_create(managed.base.pageFrameNumber, managed.pageCount))
        defer { cref_buddy_destroy(c) }
        let outcome = cref_buddy_replay(c, trace.operations.map { cref_trace_op(slot: $0.slot, value: $0.value) }, trace.operations.count, UInt32(trace.slots))
        #expect(PoolTrace.Outcome(outcome) == expected)
        #expect(cref_buddy_free_pages(c) == managed.pageCount && buddy.freePages == managed.pageCount)
        #expect(cref_buddy_free(c, managed.base.pageFrameNumber, 0) == -1)
        buddy._checkInvariants()
    }

    /// Through the heap framework, with or without the scrub, the carve-out trace makes the
    /// same calls as on the allocator alone, and leaves nothing behind.
    @Test func theHeapFrameworkReplayMatchesTheAllocatorsAndLeaksNothing() throws {
        let trace = PoolTrace.carveout(seed: 0x5EED, operations: 4_000)
        var firstFit = GenPool()
        try firstFit.add(Self.pool)
        let alone = trace.replay(on: &firstFit, base: Self.pool.base)
        for allocator in PoolAllocatorKind.allCases {
            let board = try Board(PoolTrace.carveoutBoard(allocator: allocator))
            let heap = try #require(board.heaps.find("protected-carveout"))
            let scrubbed = try trace.replay(on: board.heaps, heap: heap)
            #expect(scrubbed == PoolTrace.Outcome(allocations: alone.allocations, failures: alone.failures, frees: alone.frees, peakLive: alone.peakLive))
            // Without the scrub: a second heap over the same region whose scrubber does nothing.
            let unscrubbed = try board.heaps.add(name: "unscrubbed", ops: CarveoutHeap(
                name: "unscrubbed", region: PoolTrace.carveoutRange, bus: board.bus, scrubber: SkippedScrub(), allocator: allocator))
            #expect(try trace.replay(on: board.heaps, heap: unscrubbed) == scrubbed)
            board.heaps.put(unscrubbed)
            board.heaps.put(heap)
            #expect(board.carveoutHeaps[0].freeExtents == [PoolTrace.carveoutRange])
            board._checkInvariants()
        }
    }
}

/// A scrubber that scrubs nothing: what "scrub excluded" means in the heap-framework ratio.
final class SkippedScrub: ProtectedMemoryScrubber {
    func scrub(_ range: PhysicalRange) throws(AccessFault) {}
}

extension PoolTrace.Outcome {
    init(_ c: cref_replay_outcome) {
        self.init(allocations: c.allocations, failures: c.failures, frees: c.frees, peakLive: c.peak_live, peakExtent: c.peak_extent, addressSum: c.address_sum)
    }
}
