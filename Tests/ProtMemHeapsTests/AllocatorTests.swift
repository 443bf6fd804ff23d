import ProtMemHeaps
import ProtMemBoard
import ProtMemMemory
import Testing

@Suite struct PageBitmapTests {
    @Test func findZeroAreaIsFirstFitWithAlignment() {
        var map = PageBitmap(bitCount: 200)
        map.set(0, count: 3)
        map.set(5, count: 1)
        #expect(map.findZeroArea(count: 2) == 3)
        #expect(map.findZeroArea(count: 3) == 6)
        #expect(map.findZeroArea(count: 4, alignMask: 7) == 8)
        // The offset shifts the alignment as cma_bitmap_aligned_offset does.
        #expect(map.findZeroArea(count: 4, alignMask: 7, alignOffset: 3) == 13)
        #expect(map.findZeroArea(count: 197) == nil)
        map.set(64, count: 70)
        #expect(map.nextZeroBit(from: 64, limit: 200) == 134)
        #expect(map.nextSetBit(from: 6, limit: 200) == 64)
        #expect(map.allSet(64, count: 70) && !map.allSet(63, count: 2))
        #expect(map.recountedSetBits == map.setCount)
    }
}

@Suite struct GenPoolTests {
    @Test func firstFitAndFragmentation() throws {
        var pool = GenPool()
        try pool.add(PhysicalRange(checkedBase: 0x10_0000, size: 16 * 4096))
        let aValue = pool.allocate(4096)

        let a = try #require(aValue)
        let bValue = pool.allocate(3 * 4096)

        let b = try #require(bValue)
        let cValue = pool.allocate(1)

        let c = try #require(cValue)
        #expect([a, b, c].map(\.rawValue) == [0x10_0000, 0x10_1000, 0x10_4000])
        try pool.free(b, size: 3 * 4096)
        // First fit reuses the hole for what fits in it.
        #expect(pool.allocate(2 * 4096) == b)
        #expect(pool.available == 12 * 4096)
        #expect(pool.largestFreeExtent == 11 * 4096)
        #expect(pool.allocate(12 * 4096) == nil)
        pool._checkInvariants()
    }

    @Test func badFreesAreRefusedAndChangeNothing() throws {
        var pool = GenPool()
        try pool.add(PhysicalRange(checkedBase: 0x10_0000, size: 8 * 4096))
        let aValue = pool.allocate(2 * 4096)

        let a = try #require(aValue)
        let before = pool
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(a.rawValue + 2 * 4096), size: 4096) } // never allocated
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(0x20_0000), size: 4096) } // outside
        #expect(throws: Errno.invalidArgument) { try pool.free(PhysicalAddress(a.rawValue + 1), size: 4096) } // misaligned
        #expect(throws: Errno.invalidArgument) { try pool.free(a, size: 3 * 4096) } // too long
        #expect(pool == before)
        try pool.free(a, size: 2 * 4096)
        #expect(throws: Errno.invalidArgument) { try pool.free(a, size: 2 * 4096) } // double free
        #expect(throws: Errno.invalidArgument) { try pool.add(PhysicalRange(checkedBase: 0x10_1000, size: 4096)) }
        pool._checkInvariants()
    }
}

@Suite struct BuddyAllocatorTests {
    @Test func splitsAndMergesBuddies() throws {
        var buddy = BuddyAllocator(managing: [PhysicalRange(checkedBase: 0, size: 4 << 20)])
        #expect(buddy.freeBlocksPerOrder[10] == 1)
        let pageValue = buddy.allocate(order: 0)

        let page = try #require(pageValue)
        #expect(buddy.freeBlocksPerOrder[0...9].allSatisfy { $0 == 1 })
        let bigValue = buddy.allocate(order: 8)

        let big = try #require(bigValue)
        #expect(big.size == 1 << 20 && big.base.rawValue % (1 << 20) == 0)
        try buddy.free(page)
        try buddy.free(big)
        #expect(buddy.freeBlocksPerOrder[10] == 1 && buddy.freePages == 1024)
        #expect(throws: Errno.invalidArgument) { try buddy.free(page) }
        buddy._checkInvariants()
    }

    @Test func unalignedRangesAreCarvedIntoAlignedBlocks() throws {
        var buddy = BuddyAllocator(managing: [PhysicalRange(checkedBase: 0x3000, size: 0x2_0000)])
        #expect(buddy.freePages == 32)
        var taken: [PhysicalRange] = []
        while let block = buddy.allocate(order: 0) { taken.append(block) }
        #expect(taken.count == 32)
        #expect(Set(taken.map(\.base)).count == 32)
        for block in taken { try buddy.free(block) }
        #expect(buddy.freePages == 32)
        buddy._checkInvariants()
    }

    @Test func farApartRangesCostTheirPagesNotTheGap() throws {
        // 1 GiB at 0 and 1 GiB just below the top of the 52-bit physical address space: a
        // bitmap over the span would be 2^40 bits (128 GiB).
        let low = PhysicalRange(checkedBase: 0, size: 1 << 30)
        let high = PhysicalRange(checkedBase: (1 << 52) - (1 << 30), size: 1 << 30)
        var buddy = BuddyAllocator(managing: [high, low])
        #expect(buddy.spans == [low, high])
        #expect(buddy.totalPages == 2 << 18)
        // A bit and a head record (4 bytes) per page (64 KiB and 2 MiB for 2 GiB) and 512 free
        // blocks of 4 MiB on the lists: nothing for the gap.
        #expect(buddy.metadataBytes <= (64 << 10) + (4 << 19) + 512 * 8)
        // Blocks come from, and go back to, both ends.
        let firstValue = buddy.allocate(order: 10)
        let first = try #require(firstValue)
        #expect(high.contains(first))
        var taken = [first]
        while let block = buddy.allocate(order: 10) { taken.append(block) }
        #expect(taken.count == 512 && low.contains(taken.last!))
        for block in taken.reversed() { try buddy.free(block) }
        #expect(throws: Errno.invalidArgument) { try buddy.free(first) }
        #expect(buddy.freePages == buddy.totalPages)
        buddy._checkInvariants()
    }

    @Test func touchingRangesShareASpanAndMergeAcrossTheirBoundary() throws {
        let a = PhysicalRange(checkedBase: 0, size: 0x3000), b = PhysicalRange(checkedBase: 0x3000, size: 0x1000)
        var buddy = BuddyAllocator(managing: [b, a])
        #expect(buddy.spans == [PhysicalRange(checkedBase: 0, size: 0x4000)])
        var taken: [PhysicalRange] = []
        while let page = buddy.allocate(order: 0) { taken.append(page) }
        #expect(taken.count == 4)
        for page in taken { try buddy.free(page) }
        // Page 3 came from the other range, and still merges: one block of order 2.
        #expect(buddy.freeBlocksPerOrder[2] == 1 && buddy.freePages == 4)
        // That block is one the allocator hands out, and takes back.
        let blockValue = buddy.allocate(order: 2)
        let block = try #require(blockValue)
        #expect(block == PhysicalRange(checkedBase: 0, size: 0x4000))
        try buddy.free(block)
        buddy._checkInvariants()
    }

    @Test func theSameCallsGiveTheSamePages() {
        func run() -> [UInt64] {
            var buddy = BuddyAllocator(managing: [PhysicalRange(checkedBase: 0, size: 16 << 20)])
            var out: [UInt64] = []
            for i in 0..<200 {
                if let block = buddy.allocate(order: [0, 4, 8][i % 3]) {
                    out.append(block.base.rawValue)
                    if i % 5 == 0 { try? buddy.free(block) }
                }
            }
            return out
        }
        #expect(run() == run())
    }

    /// The O(1) free lists hand out exactly the blocks the Dictionary-indexed ones did, call
    /// for call, on a long seeded trace over two spans (one of them unaligned).
    @Test func sameBlocksAsTheDictionaryIndexedFreeLists() throws {
        let ranges = [PhysicalRange(checkedBase: 0x4000_0000, size: 64 << 20), PhysicalRange(checkedBase: 0x1_0000_3000, size: (16 << 20) - 0x3000)]
        var buddy = BuddyAllocator(managing: ranges)
        var reference = DictionaryBuddyAllocator(managing: ranges)
        var random = SplitMix64(seed: 0xB0DD1)
        var held = [PhysicalRange?](repeating: nil, count: 300)
        var failures = 0
        for step in 0..<100_000 {
            let slot = Int(random.next() % UInt64(held.count))
            if let block = held[slot] {
                try buddy.free(block)
                try reference.free(block)
                held[slot] = nil
            } else {
                let order = Int(random.next() % 11)
                let got = buddy.allocate(order: order)
                try #require(got == reference.allocate(order: order), "step \(step): order \(order)")
                if got == nil { failures += 1 }
                held[slot] = got
            }
            if step % 997 == 0 {
                try #require(buddy.freeBlocksPerOrder == reference.freeBlocksPerOrder && buddy.freePages == reference.freePages, "step \(step)")
                buddy._checkInvariants()
            }
        }
        #expect(failures > 0)
        #expect(throws: Errno.invalidArgument) { try buddy.free(PhysicalRange(checkedBase: 0x4000_1000, size: 0x3000)) } // not a power of two
        #expect(throws: Errno.invalidArgument) { try buddy.free(PhysicalRange(checkedBase: 0x8000_0000, size: 0x1000)) } // not managed
        for case let block? in held { try buddy.free(block) }
        #expect(buddy.freePages == buddy.totalPages)
        buddy._checkInvariants()
    }
}

@Suite struct CMAAreaTests {
    @Test func alignsToTheRequestedOrderRelativeToPhysicalAddresses() throws {
        // The area starts at pfn 3: alignment is to physical pfns, not bitmap indices.
        var area = try #require(CMAArea(name: "linux,cma", range: PhysicalRange(checkedBase: 0x3000, size: 64 * 4096)))
        let oneValue = area.allocate(pages: 1, align: 0)

        let one = try #require(oneValue)
        #expect(one.base.rawValue == 0x3000)
        let fourValue = area.allocate(pages: 4, align: 2)

        let four = try #require(fourValue)
        #expect(four.base.pageFrameNumber % 4 == 0 && four.base.rawValue == 0x4000)
        #expect(area.allocate(pages: 65, align: 0) == nil)
        try area.release(four)
        #expect(throws: Errno.invalidArgument) { try area.release(four) }
        #expect(area.freePages == 63)
        #expect(pageOrder(for: 4096) == 0 && pageOrder(for: 4097) == 1 && pageOrder(for: 1 << 20) == 8 && pageOrder(for: (1 << 20) + 1) == 9)
    }
}
