import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

/// Every failure injected at the normal/secure boundary leaves the board exactly as it was
/// before the failing call: nothing lent, protected or allocated that nothing owns.
@Suite struct FaultInjectionTests {
    /// Allocates on `heapName` expecting `errno`, and checks nothing moved.
    func expectCleanFailure(_ board: Board, _ heapName: String, _ errno: Errno, length: UInt64 = 1 << 20, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let heap = try #require(board.heaps.find(heapName), sourceLocation: sourceLocation)
        defer { board.heaps.put(heap) }
        let before = BoardSnapshot(board)
        #expect(throws: errno, sourceLocation: sourceLocation) { try board.heaps.allocate(heap, length: length, fdFlags: .readWrite) }
        #expect(BoardSnapshot(board) == before, sourceLocation: sourceLocation)
        board._checkInvariants()
    }

    @Test func taErrorMidAllocation() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let ta = try #require(board.trustedOS?.application(MediaTekSecureMemory.uuid) as? MediaTekSecureMemoryTA)
            for heap in ["restricted_mtk_cm", "restricted_mtk_cma"] {
                ta.failNextAllocation(with: .outOfMemory)
                try expectCleanFailure(board, heap, .noMemory)
                ta.failNextAllocation(with: .generic)
                try expectCleanFailure(board, heap, .noMemory)
            }
            // The service call itself turns any TEE error into EOPNOTSUPP, as the series does.
            #expect(throws: Errno.notSupported) { try board.mediatekHeaps[0].serviceCall(0x4242, []) }
        }
    }

    @Test func sessionDies() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            // A buffer taken before the TA dies is freed cleanly afterwards (its FREE fails and
            // the TA's own clean-up has already wiped and released it).
            let heap = try #require(board.heaps.find("restricted_mtk_cma"))
            defer { board.heaps.put(heap) }
            let early = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            board.trustedOS?.killSessions(of: MediaTekSecureMemory.uuid)
            #expect(board.trustedOS?.openSessions == 0)
            try expectCleanFailure(board, "restricted_mtk_cm", .noMemory)
            try early.put()
            try expectCleanFailure(board, "restricted_mtk_cma", .noMemory)
            #expect(board.secureMonitor.protections.allSatisfy { $0.owner != "mtk-secmem" || $0.reason.contains("CM_TZ") })
        }
    }

    @Test func firewallHasNoFreeRegion() throws {
        var configuration = TestBoards.opteeDynamic
        // Region 0 is the background and region 1 the carve-out: nothing is left to lend into.
        configuration.firewallRegions = 2
        try withLeakCheckedBoard(configuration) { board in
            try expectCleanFailure(board, "protected,secure-video", .invalidArgument)
            #expect(board.trustedOS?.lentRanges.isEmpty == true)
        }
    }

    @Test func lendingFails() throws {
        try withLeakCheckedBoard(TestBoards.opteeDynamic) { board in
            for result in [TEEResult.outOfMemory, .badParameters, .busy] {
                board.trustedOS?.failNextProtectedMemoryCommand(with: result)
                try expectCleanFailure(board, "protected,secure-video", .invalidArgument)
            }
            // An SMC that never reaches OP-TEE (the monitor answers busy) fails the same way.
            board.secureMonitor.faultInjector = { $0.a0 == OPTEESMC.callWithArg ? SMCRegisters(OPTEESMC.returnBusy) : nil }
            try expectCleanFailure(board, "protected,secure-video", .invalidArgument)
            board.secureMonitor.faultInjector = nil
        }
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            for code in [FFA.ErrorCode.noMemory, .denied, .invalidParameters] {
                board.secureMonitor.hypervisor?.failNextTransaction(with: code)
                try expectCleanFailure(board, "protected,secure-video", code.errno)
            }
        }
    }

    /// A refused reclaim: Linux frees memory the secure world still protects; the model keeps
    /// it lent and owned by the pool, and reclaims it before lending again.
    @Test func reclaimFailsThenRecovers() throws {
        try withLeakCheckedBoard(TestBoards.opteeDynamic) { board in
            let heap = try #require(board.heaps.find("protected,secure-video"))
            defer { board.heaps.put(heap) }
            let cmaFree = board.heapSummaries.first { $0.name == "linux,cma" }!.free
            let buffer = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            let lent = try #require(board.trustedOS?.lentRanges.first)
            board.trustedOS?.failNextProtectedMemoryCommand(with: .busy)
            try buffer.put()
            // Still lent, still protected, not back in CMA.
            #expect(board.trustedOS?.lentRanges == [lent])
            #expect(board.heapSummaries.first { $0.name == "linux,cma" }!.free == cmaFree - lent.size)
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(base: lent.base, size: 1)!) }
            // The next allocation reclaims first, then lends afresh.
            let again = try board.heaps.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            #expect(board.trustedOS?.lentRanges.count == 1)
            try again.put()
            #expect(board.trustedOS?.lentRanges.isEmpty == true)
        }
    }

    @Test func teeDeviceGoneFailsAllocationWithEINVAL() throws {
        try withLeakCheckedBoard { board in
            let heap = try #require(board.heaps.find("protected,secure-video"))
            defer { board.heaps.put(heap) }
            let held = try board.heaps.allocate(heap, length: 4096, fdFlags: .readWrite)
            board.teeDriver?.unregister()
            // A live buffer keeps the heap's device: allocation still works, as in tee_heap.c.
            let during = try board.heaps.allocate(heap, length: 4096, fdFlags: .readWrite)
            try during.put()
            try held.put()
            #expect(board.teeHeaps[0].isDeviceGone)
            try expectCleanFailure(board, "protected,secure-video", .invalidArgument)
        }
    }
}
