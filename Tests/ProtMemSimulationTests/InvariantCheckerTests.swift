import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemSimulation
import ProtMemTestSupport
import Testing

@Suite struct InvariantCheckerTests {
    /// A protected frame with a marker, decoded by the codec into `heapName`.
    func decodedFrame(_ board: Board, _ heapName: String, id: UInt64) throws -> (DMABuf, PhysicalRange) {
        let heap = try #require(board.heaps.find(heapName))
        defer { board.heaps.put(heap) }
        let buffer = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
        let range = try #require(buffer.exporter.backing?.entries.first?.range)
        try board.bus.write(.codec, at: range.base, bytes: ContentMarker.bytes(id: id))
        return (buffer, range)
    }

    @Test func aCleanPipelineHasNoViolation() throws {
        try withLeakCheckedBoard { board in
            let checker = InvariantChecker(board: board)
            checker.install()
            defer { checker.uninstall() }
            let (buffer, range) = try decodedFrame(board, "protected,secure-video", id: 42)
            _ = try board.bus.read(.display, range)
            _ = try board.bus.privileged.read(.gpuProtected, range)
            #expect(checker.check(scanFreeMemory: true).isEmpty)
            try buffer.put()
            #expect(checker.check(scanFreeMemory: true).isEmpty)
        }
    }

    /// The firewall lets the codec write ordinary memory, so a codec that copies a frame out
    /// leaks it: the model reports what the hardware would let happen.
    @Test func aCopyOutOfProtectedMemoryIsALeak() throws {
        try withLeakCheckedBoard { board in
            let checker = InvariantChecker(board: board)
            checker.install()
            defer { checker.uninstall() }
            let (buffer, range) = try decodedFrame(board, "protected-carveout", id: 7)
            let system = try #require(board.pageAllocator.allocateZeroed(order: 8))
            try board.bus.copy(.codec, from: range.base, to: system.base, count: 4096)
            let violations = checker.check()
            #expect(violations.count == 1)
            #expect(violations.first?.kind == .leak && violations.first?.detail.contains("#7") == true)
            // And the normal world reading it there is a second one.
            _ = try board.bus.read(.cpuNonSecure, PhysicalRange(base: system.base, size: 64)!)
            #expect(checker.contentViolations.count == 2)
            try board.bus.fill(.cpuNonSecure, system, with: 0)
            try board.pageAllocator.free(system)
            try buffer.put()
        }
    }

    /// Whether a master is entitled to protected content follows the protections in force
    /// the moment it reads, however often it asked before, and only where they are: a
    /// protection that grants the CPU another page grants it nothing here.
    @Test func entitlementFollowsProtectionsAsTheyChange() throws {
        try withLeakCheckedBoard { board in
            let checker = InvariantChecker(board: board)
            checker.install()
            defer { checker.uninstall() }
            #expect(!board.secureMonitor.grantsRead(to: BusMaster.cpuNonSecure.name))
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            let marked = PhysicalRange(base: page.base, size: UInt64(ContentMarker.size))!
            try board.bus.privileged.write(.cpuSecure, at: page.base, bytes: ContentMarker.bytes(id: 9))
            let afterWrite = checker.contentViolations.count
            func readsLeak() throws -> Bool {
                let before = checker.contentViolations.count
                _ = try board.bus.read(.cpuNonSecure, marked)
                return checker.contentViolations.count > before
            }
            #expect(try readsLeak())
            #expect(try readsLeak(), "asked again, the same answer")
            let lent = try #require(board.pageAllocator.allocateZeroed(order: 0))
            let elsewhere = try board.secureMonitor.protect(lent, readers: [.cpuNonSecure], writers: [], owner: "test", reason: "grant the CPU another page")
            #expect(try readsLeak(), "a protection of another page grants the CPU nothing here")
            let here = try board.secureMonitor.protect(page, readers: [.cpuNonSecure], writers: [], owner: "test", reason: "grant the CPU")
            #expect(try !readsLeak(), "a protection now grants the normal-world CPU")
            #expect(board.secureMonitor.unprotect(here))
            // Lifting the protection scrubbed the page: the content comes back, unprotected.
            try board.bus.privileged.write(.cpuSecure, at: page.base, bytes: ContentMarker.bytes(id: 9))
            #expect(try readsLeak(), "the grant was lifted")
            #expect(board.secureMonitor.unprotect(elsewhere))
            #expect(checker.contentViolations.count == afterWrite + 5)
            try board.bus.privileged.fill(.cpuSecure, page, with: 0)
            try board.pageAllocator.free(page)
            try board.pageAllocator.free(lent)
        }
    }

    @Test func aProtectedBufferTheFirewallNoLongerGuardsIsReported() throws {
        try withLeakCheckedBoard { board in
            let checker = InvariantChecker(board: board)
            let (buffer, _) = try decodedFrame(board, "protected-carveout", id: 1)
            let record = try #require(board.secureMonitor.protections.first { $0.owner == "protected-carveout" })
            #expect(board.secureMonitor.unprotect(record))
            let violations = checker.check()
            #expect(violations.contains { $0.kind == .protection && $0.detail.contains("protected-carveout") })
            // Put it back so the board ends as it began.
            try board.secureMonitor.protect(record.range, readers: [.gpuProtected, .codec, .display], writers: [.gpuProtected, .codec, .camera],
                                            owner: record.owner, reason: record.reason, allocator: record.allocator)
            try buffer.put()
        }
    }

    @Test func unscrubbedFreeMemoryIsFound() throws {
        try withLeakCheckedBoard { board in
            let checker = InvariantChecker(board: board)
            let free = try #require(board.carveoutHeaps[0].freeExtents.first)
            try board.bus.privileged.write(.cpuSecure, at: PhysicalAddress(free.base.rawValue + 8192), bytes: [1])
            #expect(checker.check(scanFreeMemory: true).contains { $0.kind == .scrubbing })
            try board.bus.privileged.fill(.cpuSecure, PhysicalRange(base: free.base, size: 3 * 4096)!, with: 0)
            #expect(checker.check(scanFreeMemory: true).isEmpty)
        }
    }

    @Test func markersAreFoundAnywhereInARead() {
        var data = [UInt8](repeating: 0x50, count: 10_000)
        data.replaceSubrange(9_000..<9_016, with: ContentMarker.bytes(id: 0xDEAD))
        #expect(ContentMarker.firstID(in: data.span.bytes) == 0xDEAD)
        let magic = ContentMarker.magic
        #expect(ContentMarker.firstID(in: magic.span.bytes) == nil)
    }
}

/// A heap's statistics say what its live buffers hold, for every protected heap the checker
/// accounts: MediaTek's carve-out heap counted nothing in use, so every live buffer of it was
/// an accounting violation.
@Suite struct ProtectedHeapAccountingTests {
    @Test(arguments: ["restricted_mtk_cm", "restricted_mtk_cma"])
    func aLiveRestrictedBufferIsAccountedFor(_ name: String) throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let checker = InvariantChecker(board: board)
            let heap = try #require(board.heaps.find(name))
            defer { board.heaps.put(heap) }
            let before = heap.ops.statistics.free
            let buffer = try board.heaps.allocate(heap, length: 4 * pageSize, fdFlags: .readWrite)
            #expect(heap.ops.statistics.free == before - 4 * pageSize)
            #expect(checker.check().filter { $0.kind == .accounting }.isEmpty, "\(checker.check())")
            try buffer.put()
            #expect(heap.ops.statistics.free == before)
        }
    }
}
