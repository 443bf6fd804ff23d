import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemTestSupport
import Testing

/// A heap's occupancy generation moves with every allocation and free, and stays put while
/// nothing changes, so a sampler that skips a heap whose generation stands still never
/// misses a change in its bytes in use.
@Suite struct OccupancyGenerationTests {
    @Test(arguments: ["system", "linux,cma", "protected-carveout"])
    func movesWithEveryAllocationAndFree(_ name: String) throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.heaps.first { $0.name == name })
            let start = try #require(heap.ops.occupancyGeneration)
            #expect(heap.ops.occupancyGeneration == start)
            _ = heap.ops.statistics
            #expect(heap.ops.occupancyGeneration == start, "reading statistics changes nothing")

            let buffer = try board.heaps.allocate(heap, length: 0x10000, fdFlags: .readWrite)
            let allocated = try #require(heap.ops.occupancyGeneration)
            #expect(allocated != start)
            #expect(heap.ops.occupancyGeneration == allocated)

            try buffer.put()
            let freed = try #require(heap.ops.occupancyGeneration)
            #expect(freed != allocated)

            // A refused allocation changes no bytes; the generation may move, never the reverse.
            let before = heap.ops.statistics.free
            #expect(throws: Errno.noMemory) { try board.heaps.allocate(heap, length: heap.ops.statistics.size + pageSize, fdFlags: .readWrite) }
            #expect(heap.ops.statistics.free == before)
        }
    }

    /// A heap whose driver cannot tell says so, and is sampled every time.
    @Test func aHeapWithoutOneSaysNil() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.heaps.first { $0.name == "protected,secure-video" })
            #expect(heap.ops.occupancyGeneration == nil)
        }
    }
}
