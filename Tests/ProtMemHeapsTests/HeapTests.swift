import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
@_spi(SecureWorld) import ProtMemMemory
import ProtMemTestSupport
import Testing

@Suite struct HeapConformanceTests {
    /// One line per heap kind: a new heap joins the suite by adding its line.
    static let heaps: [HeapConformance] = [
        HeapConformance(heapName: "system", cpuAccess: .allowed(privateMappingsLimitedTo: 4096)),
        HeapConformance(heapName: "linux,cma", cpuAccess: .allowed(privateMappingsLimitedTo: 0)),
        HeapConformance(heapName: "protected-carveout", cpuAccess: .refused(mmap: .invalidArgument, vmap: .invalidArgument, sync: nil),
                        reader: .gpuProtected, isProtected: true),
        HeapConformance(heapName: "protected,secure-video", cpuAccess: .refused(mmap: .invalidArgument, vmap: .invalidArgument, sync: nil),
                        reader: .gpuProtected, isProtected: true),
    ]

    @Test(arguments: heaps.indices)
    func conformance(_ index: Int) throws {
        try withLeakCheckedBoard { board in
            try Self.heaps[index].run(on: board, devices: standardDevices)
        }
    }

    /// Heaps that exist only on other boards: OP-TEE's lent pool, MediaTek's two heaps.
    static let otherBoards: [(configuration: BoardConfiguration, conformance: HeapConformance)] = [
        (TestBoards.opteeDynamic, HeapConformance(heapName: "protected,secure-video", cpuAccess: .refused(mmap: .invalidArgument, vmap: .invalidArgument, sync: nil),
                                                  reader: .gpuProtected, isProtected: true)),
        (TestBoards.mediatek, HeapConformance(heapName: "restricted_mtk_cm", cpuAccess: .refused(mmap: .notPermitted, vmap: .invalidArgument, sync: .notPermitted),
                                              reader: .gpuProtected, isProtected: true)),
        (TestBoards.hypervisor, HeapConformance(heapName: "protected,secure-video", cpuAccess: .refused(mmap: .invalidArgument, vmap: .invalidArgument, sync: nil),
                                                reader: .gpuProtected, isProtected: true)),
        (TestBoards.mediatek, HeapConformance(heapName: "restricted_mtk_cma", cpuAccess: .refused(mmap: .notPermitted, vmap: .invalidArgument, sync: .notPermitted),
                                              reader: .gpuProtected, isProtected: true)),
    ]

    @Test(arguments: otherBoards.indices)
    func conformanceOnOtherBoards(_ index: Int) throws {
        let (configuration, conformance) = Self.otherBoards[index]
        try withLeakCheckedBoard(configuration) { board in
            try conformance.run(on: board, devices: standardDevices)
        }
    }

    @Test func restrictedHeapPolicyAnswersEPERM() throws {
        var configuration = BoardConfiguration.builtinDefault
        configuration.carveouts[0].cpuAccessPolicy = .restrictedHeap
        try withLeakCheckedBoard(configuration) { board in
            try HeapConformance(heapName: "protected-carveout", cpuAccess: .refused(mmap: .notPermitted, vmap: .invalidArgument, sync: .notPermitted),
                                reader: .gpuProtected, isProtected: true).run(on: board, devices: standardDevices)
        }
    }
}

@Suite struct SystemHeapTests {
    @Test func chunksAreLargestFirstAndNeverGoBackUp() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("system"))
            defer { board.heaps.put(heap) }
            let length: UInt64 = (2 << 20) + (128 << 10) + 8192
            let buffer = try board.heaps.allocate(heap, length: length, fdFlags: .readWrite)
            let attachment = try buffer.attach(standardDevices[0])
            let table = try buffer.map(attachment, direction: .bidirectional)
            #expect(table.entries.map(\.length) == [1 << 20, 1 << 20, 64 << 10, 64 << 10, 4096, 4096])
            #expect(table.entries.allSatisfy { $0.address.rawValue % $0.length == 0 })
            try buffer.detach(attachment)
            try buffer.put()
            #expect(heap.ops.statistics.allocations == 1)
        }
    }

    @Test func exhaustionFailsWithENOMEMAndGivesEverythingBack() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("system"))
            defer { board.heaps.put(heap) }
            let free = heap.ops.statistics.free
            #expect(throws: Errno.noMemory) { try board.heaps.allocate(heap, length: free + 4096, fdFlags: .readWrite) }
            #expect(heap.ops.statistics.free == free)
            #expect(heap.ops.statistics.failures == 1)
        }
    }
}

@Suite struct CarveoutHeapTests {
    @Test func freedProtectedBuffersAreScrubbedBeforeReuse() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("protected-carveout"))
            defer { board.heaps.put(heap) }
            let codec = DMADevice(name: "codec", master: .codec)
            let first = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            let attachment = try first.attach(codec)
            let range = try #require(try first.map(attachment, direction: .fromDevice).entries.first?.range)
            try board.bus.fill(.codec, range, with: 0xC0)
            #expect(try board.bus.privileged.read(.gpuProtected, range).allSatisfy { $0 == 0xC0 })
            // The normal world cannot read or write a byte of it, and its write changes nothing.
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(base: range.base, size: 1)!) }
            #expect(throws: AccessFault.self) { try board.bus.write(.cpuNonSecure, at: PhysicalAddress(range.end - 1), bytes: [0]) }
            #expect(try board.bus.privileged.read(.gpuProtected, range).allSatisfy { $0 == 0xC0 })
            try first.detach(attachment)
            try first.put()
            // First fit hands the same pages out again: zeros, read by a permitted master.
            let second = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            let again = try second.attach(codec)
            let reused = try #require(try second.map(again, direction: .fromDevice).entries.first?.range)
            #expect(reused == range)
            #expect(try board.bus.privileged.read(.gpuProtected, reused).allSatisfy { $0 == 0 })
            try second.detach(again)
            try second.put()
        }
    }

    @Test func refusesARegionTheFirewallDoesNotGuard() throws {
        let board = try Board.builtinDefault()
        let unprotected = PhysicalRange(checkedBase: 0x4000_0000, size: 1 << 20)
        #expect(throws: HeapConfigurationError.self) {
            try CarveoutHeap(name: "fake", region: unprotected, bus: board.bus, scrubber: board.scrubber)
        }
        #expect(throws: HeapConfigurationError.self) {
            try CarveoutHeap(name: "outside", region: PhysicalRange(checkedBase: 0x1_0000_0000, size: 1 << 20), bus: board.bus, scrubber: board.scrubber)
        }
    }

    @Test func exhaustionAndFragmentation() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("protected-carveout"))
            defer { board.heaps.put(heap) }
            var buffers = try (0..<128).map { _ in try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite) }
            #expect(throws: Errno.noMemory) { try board.heaps.allocate(heap, length: 4096, fdFlags: .readWrite) }
            // Free every other one: 64 MiB free, but no 2 MiB run.
            for index in stride(from: 0, to: 128, by: 2).reversed() { try buffers.remove(at: index).put() }
            #expect(heap.ops.statistics.free == 64 << 20)
            #expect(board.carveoutHeaps[0].largestFreeExtent == 1 << 20)
            #expect(throws: Errno.noMemory) { try board.heaps.allocate(heap, length: 2 << 20, fdFlags: .readWrite) }
            for buffer in buffers { try buffer.put() }
        }
    }
}
