import ProtMemBoard
import ProtMemHeaps
import ProtMemMemory
import Testing

/// The extent tree must be `gen_pool` first fit, only faster: the same address for every
/// allocation, the same refusals, the same free extents.
@Suite struct ExtentTreeAllocatorTests {
    /// Runs `operations` seeded random allocations and frees (sizes of 1 byte to
    /// `maximumPages` pages, not always whole pages) on both allocators, over the same
    /// chunks, and checks they agree at every step.
    static func agree(seed: UInt64, chunks: [PhysicalRange], operations: Int, maximumPages: UInt64, slots: Int, checkEvery: Int) throws {
        var first = GenPool(), tree = ExtentTreeAllocator()
        for chunk in chunks {
            try first.add(chunk)
            try tree.add(chunk)
        }
        var random = SplitMix64(seed: seed)
        var held = [(address: PhysicalAddress, size: UInt64)?](repeating: nil, count: slots)
        var failures = 0
        for step in 0..<operations {
            let slot = Int(random.next() % UInt64(slots))
            if let buffer = held[slot] {
                try first.free(buffer.address, size: buffer.size)
                try tree.free(buffer.address, size: buffer.size)
                held[slot] = nil
            } else {
                let size = random.next() % (maximumPages << pageShift) + 1
                let expected = first.allocate(size)
                let got = tree.allocate(size)
                try #require(got == expected, "step \(step): \(size) bytes at \(String(describing: got)), first fit gave \(String(describing: expected))")
                if let got { held[slot] = (got, size) } else { failures += 1 }
            }
            if step % checkEvery == 0 {
                try #require(tree.available == first.available && tree.largestFreeExtent == first.largestFreeExtent, "step \(step)")
                try #require(tree.freeExtents == first.freeExtents, "step \(step): free extents differ")
                tree._checkInvariants()
            }
        }
        #expect(failures > 0, "the trace never filled the pool, so it never tested a refusal")
        #expect(tree.freeExtents == first.freeExtents)
        for case let buffer? in held {
            try first.free(buffer.address, size: buffer.size)
            try tree.free(buffer.address, size: buffer.size)
        }
        #expect(tree.freeExtents == chunks.map { $0 } && tree.available == tree.size)
        tree._checkInvariants()
    }

    @Test func sameAddressesAsFirstFitOnALongRandomTrace() throws {
        // A 64 MiB pool, 200 buffers of up to 2 MiB: full now and then.
        try Self.agree(seed: 0x5EED, chunks: [PhysicalRange(checkedBase: 0x8000_0000, size: 64 << 20)],
                       operations: 60_000, maximumPages: 512, slots: 200, checkEvery: 97)
    }

    @Test func sameAddressesAsFirstFitAcrossChunksInTheOrderTheyWereAdded() throws {
        // gen_pool searches chunks in the order they were added, not by address, and never
        // merges across two chunks that touch: the second and third do.
        try Self.agree(seed: 7, chunks: [
            PhysicalRange(checkedBase: 0x9000_0000, size: 8 << 20),
            PhysicalRange(checkedBase: 0x8000_0000, size: 4 << 20),
            PhysicalRange(checkedBase: 0x8040_0000, size: 4 << 20),
        ], operations: 20_000, maximumPages: 300, slots: 64, checkEvery: 1)
    }

    @Test func badFreesAreRefusedAndChangeNothing() throws {
        var pool = ExtentTreeAllocator()
        try pool.add(PhysicalRange(checkedBase: 0x10_0000, size: 8 * 4096))
        let aValue = pool.allocate(2 * 4096), bValue = pool.allocate(4096)
        let a = try #require(aValue), b = try #require(bValue)
        try pool.free(b, size: 4096)
        let before = pool
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(a.rawValue + 2 * 4096), size: 4096) } // free already
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(a.rawValue + 4096), size: 2 * 4096) } // half free
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(0x20_0000), size: 4096) } // outside
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(a.rawValue + 1), size: 4096) } // misaligned
        #expect(throws: Errno.invalidArgument) { try pool.free(a, size: 0) }
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(0x10_0000 + 7 * 4096), size: 2 * 4096) } // past the end
        #expect(pool == before)
        pool._checkInvariants()
        try pool.free(a, size: 2 * 4096)
        #expect(throws: Errno.invalidArgument) { try pool.free(a, size: 2 * 4096) } // double free
        #expect(pool.freeExtents == [PhysicalRange(checkedBase: 0x10_0000, size: 8 * 4096)])
        #expect(throws: Errno.invalidArgument) { try pool.add(PhysicalRange(checkedBase: 0x10_1000, size: 4096)) } // overlaps
        #expect(throws: Errno.invalidArgument) { try pool.add(PhysicalRange(checkedBase: 0x40_0000, size: 100)) } // not granules
        #expect(pool.allocate(0) == nil && pool.allocate(UInt64.max) == nil && pool.allocate(9 * 4096) == nil)
        pool._checkInvariants()
    }

    @Test func freeingMergesWithBothNeighbours() throws {
        var pool = ExtentTreeAllocator()
        try pool.add(PhysicalRange(checkedBase: 0, size: 16 * 4096))
        let blocks = (0..<4).compactMap { _ in pool.allocate(4096) }
        #expect(blocks.map(\.rawValue) == [0, 0x1000, 0x2000, 0x3000])
        try pool.free(blocks[0], size: 4096)
        try pool.free(blocks[2], size: 4096)
        #expect(pool.freeExtents.count == 3)
        try pool.free(blocks[1], size: 4096) // joins the extents on both sides
        #expect(pool.freeExtents == [PhysicalRange(checkedBase: 0, size: 3 * 4096), PhysicalRange(checkedBase: 0x4000, size: 12 * 4096)])
        #expect(pool.largestFreeExtent == 12 * 4096)
        try pool.free(blocks[3], size: 4096)
        #expect(pool.freeExtents == [PhysicalRange(checkedBase: 0, size: 16 * 4096)])
        pool._checkInvariants()
    }

    @Test func theKindMakesThePool() {
        #expect(PoolAllocatorKind.firstFit.makePool(minAllocOrder: 12) is GenPool)
        #expect(PoolAllocatorKind.extentTree.makePool(minAllocOrder: 12) is ExtentTreeAllocator)
        #expect(PoolAllocatorKind.allCases.map(\.rawValue) == ["first-fit", "extent-tree"])
    }
}
