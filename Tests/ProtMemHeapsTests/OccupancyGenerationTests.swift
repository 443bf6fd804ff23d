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
    @Test(arguments: ["system", "linux,cma", "protected-carveout", "protected,secure-video"])
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
    @Test func aHeapWithoutOneSaysNil() {
        let ops: any DMAHeapOps = SilentHeap()
        #expect(ops.occupancyGeneration == nil)
    }

    /// The registry's generation moves when a heap comes or goes, and only then.
    @Test func theRegistryMovesWhenAHeapComesOrGoes() throws {
        let memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0x8000_0000, size: 0x10_0000)])
        let registry = DMAHeapRegistry(bufferList: DMABufList(bus: Bus(memory: memory)))
        let start = registry.generation
        #expect(registry.generation == start)
        let heap = try registry.add(name: "silent", ops: SilentHeap())
        let added = registry.generation
        #expect(added != start)
        let found = try #require(registry.find("silent"))
        _ = registry.heaps
        #expect(registry.generation == added, "finding and listing change nothing")
        registry.put(found)
        #expect(registry.generation == added, "a put that leaves a reference removes nothing")
        registry.put(heap)
        #expect(registry.generation != added)
        #expect(registry.heaps.isEmpty)
    }
}

/// A heap driver that implements only what the kernel's `dma_heap_ops` has.
private final class SilentHeap: DMAHeapOps {
    func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf { throw .noMemory }
    var statistics: DMAHeapStatistics {
        DMAHeapStatistics(kind: "silent", size: 0, free: 0, isProtected: false, allocations: 0, failures: 0)
    }
}
