import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTestSupport
import Testing

@Suite struct BoardTests {
    @Test func defaultBoardHasItsFourHeaps() throws {
        let board = try Board.builtinDefault()
        #expect(board.memory.size == 2 << 30)
        #expect(board.heaps.names == ["system", "linux,cma", "protected-carveout", "protected,secure-video"])
        let summaries = Dictionary(uniqueKeysWithValues: board.heapSummaries.map { ($0.name, $0) })
        #expect(summaries["system"]?.size == (2 << 30) - (448 << 20))
        // The OP-TEE driver took one page for its message arguments.
        #expect(summaries["system"]?.free == (2 << 30) - (448 << 20) - 4096)
        #expect(summaries["protected,secure-video"].map { $0.size == 64 << 20 && $0.protected && $0.kind == "optee-static" } == true)
        #expect(summaries["linux,cma"]?.size == 256 << 20)
        #expect(summaries["protected-carveout"].map { $0.size == 128 << 20 && $0.protected && $0.kind == "carveout" } == true)
        #expect(summaries["system"]?.protected == false)
        // The secure world protected the carve-out at boot and says so.
        let record = try #require(board.secureMonitor.protections.first)
        #expect(record.range == PhysicalRange(checkedBase: 0xB800_0000, size: 128 << 20))
        #expect(record.owner == "protected-carveout" && record.mechanism == "tzc400" && record.region == 1)
        #expect(record.readers == ["gpu-protected", "codec", "display"])
        // OP-TEE protected its static pool at boot, for the secure-video masters.
        let optee = try #require(board.secureMonitor.protections.last)
        #expect(optee.range == PhysicalRange(checkedBase: 0xA400_0000, size: 64 << 20) && optee.owner == "optee")
        #expect(optee.readers == ["gpu-protected", "codec", "display"] && optee.writers == ["gpu-protected", "codec"])
        // Boot wrote nothing (zeroing the OP-TEE argument page and scrubbing the carve-out
        // cost nothing over memory never written): the board stays sparse until used.
        #expect(board.memory.residentPageCount() == 0)
        board._checkInvariants()
    }

    /// Heaps held back come up per provider, each once, in the order the board built them.
    @Test func heapsCanComeUpProviderByProvider() throws {
        let board = try Board(.builtinDefault, registeringHeaps: false)
        #expect(board.heaps.names.isEmpty)
        #expect(board.unregisteredHeaps.map(\.name) == ["system", "linux,cma", "protected-carveout", "protected,secure-video"])
        #expect(try board.registerHeaps(of: .optee) == ["protected,secure-video"])
        #expect(try board.registerHeaps(of: .armFFA).isEmpty)
        #expect(try board.registerHeaps(of: .dmaBufHeaps) == ["system", "linux,cma", "protected-carveout"])
        #expect(try board.registerHeaps(of: .dmaBufHeaps).isEmpty, "a provider registers its heaps once")
        #expect(board.unregisteredHeaps.isEmpty)
        #expect(board.heaps.names == ["protected,secure-video", "system", "linux,cma", "protected-carveout"])
        #expect(!HeapProvider.dmaBufHeaps.bindsDevice && HeapProvider.optee.bindsDevice && HeapProvider.armFFA.bindsDevice)
    }

    @Test func systemRAMNeverOverlapsTheReservedRegions() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("system"))
            defer { board.heaps.put(heap) }
            // Take all of it and check no chunk lies in CMA or the carve-out.
            let buffer = try board.heaps.allocate(heap, length: heap.ops.statistics.free, fdFlags: .readWrite)
            let attachment = try buffer.attach(standardDevices[0])
            let table = try buffer.map(attachment, direction: .bidirectional)
            let reserved = PhysicalRange(checkedBase: 0xA400_0000, size: 448 << 20)
            #expect(table.entries.allSatisfy { !($0.range!.overlaps(reserved)) })
            #expect(table.totalLength == (2 << 30) - (448 << 20) - 4096)
            try buffer.detach(attachment)
            try buffer.put()
        }
    }

    @Test func badConfigurationsAreRefusedWithTheReason() {
        var overlapping = BoardConfiguration.builtinDefault
        overlapping.carveouts[0].range = PhysicalRange(checkedBase: 0xAFF0_0000, size: 1 << 20)
        #expect(throws: BoardError.self) { try Board(overlapping) }
        var outside = BoardConfiguration.builtinDefault
        outside.cma?.range = PhysicalRange(checkedBase: 0xC000_0000, size: 1 << 20)
        #expect(throws: BoardError.self) { try Board(outside) }
        var tooMany = BoardConfiguration.builtinDefault
        tooMany.carveouts = (0..<8).map { i in
            BoardConfiguration.Carveout(heapName: "p\(i)", range: PhysicalRange(checkedBase: 0xB800_0000 + UInt64(i) << 20, size: 1 << 20), readers: [], writers: [])
        }
        do {
            _ = try Board(tooMany)
            Issue.record("eight carve-outs fit in seven firewall regions")
        } catch {
            #expect(error.description.contains("no free TZC-400 region"))
        }
        var duplicate = BoardConfiguration.builtinDefault
        duplicate.carveouts[0].heapName = "system"
        #expect(throws: BoardError.self) { try Board(duplicate) }
    }
}

@Suite struct ReservedRegionBoardTests {
    /// A reserved region no heap owns is firewalled at boot, kept from the page allocator, and
    /// adds no heap.
    @Test func reservedRegionsAreProtectedAndKeptFromRAM() throws {
        var configuration = BoardConfiguration.builtinDefault
        let region = PhysicalRange(checkedBase: 0xA000_0000, size: 16 << 20)
        configuration.reservedRegions = [.init(name: "gpu-protected-region", range: region, readers: [.gpuProtected], writers: [.gpuProtected])]
        let board = try Board(configuration)
        #expect(board.heaps.names == ["system", "linux,cma", "protected-carveout", "protected,secure-video"])
        #expect(board.reservedRegions.map(\.range) == [region])
        let record = try #require(board.secureMonitor.protections.first { $0.owner == "gpu-protected-region" })
        #expect(record.range == region && record.readers == ["gpu-protected"])
        #expect(board.bus.verdict(.cpuNonSecure, region, .read) != nil && board.bus.verdict(.gpuProtected, region, .write) == nil)
        #expect(board.pageAllocator.totalBytes == (2 << 30) - (448 << 20) - (16 << 20))
        // The scrub service reaches it.
        try board.bus.privileged.fill(.gpuProtected, region, with: 0x11)
        try board.scrubber.scrub(region)
        #expect(try board.bus.privileged.read(.gpuProtected, PhysicalRange(base: region.base, size: 4096)!).allSatisfy { $0 == 0 })

        var overlapping = configuration
        overlapping.reservedRegions[0].range = PhysicalRange(checkedBase: 0xA7F0_0000, size: 2 << 20)
        #expect(throws: BoardError.self) { try Board(overlapping) }
    }
}
