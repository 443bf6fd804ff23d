import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

/// The secure world's own checks, tried as a normal-world attacker with the SMC conduit would:
/// taking memory back from under a live buffer, giving away memory the host does not own,
/// wiping another owner's buffers, and using another session's handles.
@Suite struct SecureWorldBypassTests {
    static let endpoint = HypervisorConfiguration.protectedMediaEndpoint

    /// The FF-A handle a lend-heap buffer's pages are lent under, as the hypervisor's stage 2
    /// tells it (the handle a kernel attacker would guess: they are handed out in order).
    static func handle(of buffer: DMABuf, on board: Board) throws -> UInt64 {
        let hypervisor = try #require(board.secureMonitor.hypervisor)
        let address = try #require(buffer.exporter.backing?.entries.first?.address)
        guard case .lent(let handle) = hypervisor.pageState(at: address) else {
            Issue.record("page \(address) of \(buffer) is not lent")
            return 0
        }
        return handle
    }

    @Test func reclaimingALiveLendHeapBufferIsDenied() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            let driver = try #require(board.ffaDriver)
            let heap = try #require(board.heaps.find("protected,secure-video"))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: 4 * pageSize, fdFlags: .readWrite)
            let range = try #require(buffer.exporter.backing?.entries.first?.range)
            let handle = try Self.handle(of: buffer, on: board)
            // The codec decodes into it; the host reclaims it while the buffer lives.
            try board.bus.fill(.codec, range, with: 0x7E)
            #expect(throws: Errno.permissionDenied) { try driver.reclaim(handle) }
            // Nothing moved: still lent, still the codec's, still closed to the CPU.
            #expect(board.secureMonitor.hypervisor?.pageState(at: range.base) == .lent(handle: handle))
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(base: range.base, size: 16)!) }
            try board.bus.fill(.codec, range, with: 0x7F)
            #expect(try board.bus.read(.display, range).allSatisfy { $0 == 0x7F })
            // Freeing it relinquishes and reclaims: the pages come back scrubbed.
            try buffer.put()
            #expect(board.secureMonitor.hypervisor?.liveTransactions == 0)
            #expect(try board.bus.read(.cpuNonSecure, range).allSatisfy { $0 == 0 })
            #expect(board.ffaHeaps.first?.quarantined == [])
            board.secureMonitor.hypervisor?._checkInvariants()
        }
    }

    @Test func anEndpointRelinquishesOnlyWhatItHolds() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            let driver = try #require(board.ffaDriver)
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(page) }
            let handle = try driver.lend([page], to: Self.endpoint, tag: 1)
            // Asked of the wrong endpoint, or for a handle that does not exist: refused.
            #expect(throws: Errno.invalidArgument) { try driver.requestRelinquish(handle, from: 0x8002) }
            #expect(throws: Errno.invalidArgument) { try driver.requestRelinquish(handle + 1, from: Self.endpoint) }
            try board.bus.write(.codec, at: page.base, bytes: [1])
            try driver.requestRelinquish(handle, from: Self.endpoint)
            // Relinquished, the page is nobody's: the borrower's devices lose it too.
            #expect(throws: AccessFault.self) { try board.bus.write(.codec, at: page.base, bytes: [2]) }
            #expect(board.bus.faults.faults.last?.source == "stage2")
            // Once relinquished, it is not held any more.
            #expect(throws: Errno.invalidArgument) { try driver.requestRelinquish(handle, from: Self.endpoint) }
            try driver.reclaim(handle)
        }
    }

    @Test func lendingFirewallProtectedMemoryIsDeniedAndChangesNothing() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            let driver = try #require(board.ffaDriver)
            let hypervisor = try #require(board.secureMonitor.hypervisor)
            // A live buffer of the firewalled carve-out, with the codec's output in it.
            let heap = try #require(board.heaps.find("protected-carveout"))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: 2 * pageSize, fdFlags: .readWrite)
            let range = try #require(buffer.exporter.backing?.entries.first?.range)
            try board.bus.fill(.codec, range, with: 0x5A)
            #expect(throws: Errno.permissionDenied) { try driver.lend([range], to: Self.endpoint, tag: 3) }
            #expect(throws: Errno.permissionDenied) { try driver.share([range], with: Self.endpoint, tag: 3) }
            // One page of ordinary RAM beside it does not make the lend acceptable.
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(page) }
            #expect(throws: Errno.permissionDenied) { try driver.lend([page, range], to: Self.endpoint, tag: 3) }
            #expect(hypervisor.liveTransactions == 0)
            #expect(hypervisor.pageState(at: page.base) == .hostOwned)
            #expect(try board.bus.read(.display, range).allSatisfy { $0 == 0x5A })
            try buffer.put()
        }
    }

    @Test func upstreamPKVMLeavesLentPagesToTheHostButKeepsThemUntilRelinquished() throws {
        var configuration = TestBoards.hypervisor
        configuration.hypervisor?.lendModel = .upstream
        try withLeakCheckedBoard(configuration) { board in
            let driver = try #require(board.ffaDriver)
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(page) }
            let handle = try driver.lend([page], to: Self.endpoint, tag: 1)
            // The host's stage 2 treats LEND as SHARE: the CPU still reaches the page.
            try board.bus.write(.cpuNonSecure, at: page.base, bytes: [1, 2])
            #expect(try board.bus.read(.cpuNonSecure, PhysicalRange(base: page.base, size: 2)!) == [1, 2])
            // Ownership is still tracked: a second lend and an early reclaim are denied.
            #expect(throws: Errno.permissionDenied) { try driver.lend([page], to: Self.endpoint, tag: 2) }
            #expect(throws: Errno.permissionDenied) { try driver.reclaim(handle) }
            try driver.requestRelinquish(handle, from: Self.endpoint)
            try driver.reclaim(handle)
        }
    }

    @Test func reclaimingTheDynamicPoolUnderALiveWrittenBufferIsRefused() throws {
        try withLeakCheckedBoard(TestBoards.opteeDynamic) { board in
            let driver = try #require(board.teeDriver)
            let heap = try #require(board.heaps.find("protected,secure-video"))
            defer { board.heaps.put(heap) }
            let pool = try #require(board.teeHeaps.first?.pool as? TEEDynamicPool)
            let buffer = try board.heaps.allocate(heap, length: 4 * pageSize, fdFlags: .readWrite)
            let range = try #require(buffer.exporter.backing?.entries.first?.range)
            let lent = try #require(pool.lentRange)
            try board.bus.fill(.codec, range, with: 0x42)
            // The cookie is the pool's address, which a kernel attacker knows.
            let cookie = UInt64(UInt(bitPattern: ObjectIdentifier(pool).hashValue))
            #expect(throws: Errno.invalidArgument) { try driver.reclaimProtectedMemory(cookie: cookie) }
            #expect(pool.lentRange == lent)
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(base: range.base, size: 16)!) }
            #expect(try board.bus.read(.display, range).allSatisfy { $0 == 0x42 })
            // Freed (and scrubbed), the pool gives its memory back as before.
            try buffer.put()
            #expect(pool.lentRange == nil)
            #expect(pool.reclaimCount == 1)
        }
    }

    @Test func aPoolThatDoesNotScrubOnFreeStillGivesItsMemoryBack() throws {
        let configuration = TestBoards.opteeDynamic
        try withLeakCheckedBoard(configuration) { board in
            let driver = try #require(board.teeDriver)
            // The board's own pool is never used here, so a second allocator over its CMA
            // region takes nothing anyone else holds.
            let region = try #require(configuration.cma)
            let cma = ContiguousAllocator(area: try #require(CMAArea(name: region.name, range: region.range)))
            let pool = try TEEDynamicPool(driver: driver, useCase: .secureVideoPlay, source: cma, scrubber: board.scrubber, scrubsOnFree: false)
            let table = try pool.allocate(2 * pageSize)
            let range = try #require(table.entries.first?.range)
            try board.bus.fill(.codec, range, with: 0x33)
            // Freed without a scrub, the block holds data: OP-TEE refuses the reclaim until the
            // pool wipes the block through the secure world.
            pool.free(table)
            #expect(pool.lentRange == nil)
            #expect(pool.reclaimCount == 1)
            #expect(try board.bus.read(.cpuNonSecure, range).allSatisfy { $0 == 0 })
        }
    }

    @Test func theScrubCallWipesOnlyWhatTheNormalWorldAllocates() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let heap = try #require(board.heaps.find(MediaTekRestrictedHeap.carveoutHeapName))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: 2 * pageSize, fdFlags: .readWrite)
            let range = try #require(buffer.exporter.backing?.entries.first?.range)
            try board.bus.fill(.codec, range, with: 0x66)
            // The TA's buffer is not the normal world's to wipe.
            let answer = board.secureMonitor.smc(SMCRegisters(ProtMemSiP.scrub, range.base.rawValue, range.size))
            #expect(answer.a0 == ProtMemSiP.invalidParameter)
            #expect(try board.bus.read(.display, range).allSatisfy { $0 == 0x66 })
            // A carve-out heap's own block still can be.
            let carveout = try #require(board.carveoutHeaps.first)
            let block = PhysicalRange(base: carveout.region.base, size: pageSize)!
            try board.bus.fill(.codec, block, with: 0x11)
            #expect(board.secureMonitor.smc(SMCRegisters(ProtMemSiP.scrub, block.base.rawValue, block.size)).a0 == ProtMemSiP.success)
            #expect(try board.bus.read(.display, block).allSatisfy { $0 == 0 })
            try buffer.put()
        }
    }

    @Test func anotherSessionsHandleIsAnUnknownHandle() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let driver = try #require(board.teeDriver)
            let ta = try #require(board.trustedOS?.application(MediaTekSecureMemory.uuid) as? MediaTekSecureMemoryTA)
            let owner = try #require(try driver.openSession(MediaTekSecureMemory.uuid).session)
            let intruder = try #require(try driver.openSession(MediaTekSecureMemory.uuid).session)
            func zalloc(_ session: TEESession) throws -> (base: UInt64, handle: UInt64) {
                let answer = try driver.invoke(session, function: MediaTekSecureMemory.zalloc, parameters: [
                    .value(.valueInput, a: 2 * pageSize, b: pageSize), .value(.valueInput, a: 1), .value(.valueInout), .value(.valueOutput),
                ])
                #expect(answer.outcome.isSuccess)
                return (answer.parameters[2].b, answer.parameters[3].a)
            }
            let live = try zalloc(owner)
            try board.bus.fill(.codec, PhysicalRange(checkedBase: live.base, size: 2 * pageSize), with: 0x77)
            // FREE and RETRIEVE_SG of the owner's handle from another session: as if unknown.
            let freed = try driver.invoke(intruder, function: MediaTekSecureMemory.free, parameters: [.value(.valueInput, a: live.handle), .value(.valueOutput)])
            #expect(freed.outcome.result == .itemNotFound)
            let shared = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(shared) }
            let retrieved = try driver.invoke(intruder, function: MediaTekSecureMemory.retrieveSG, parameters: [
                .value(.valueInput, a: live.handle), .tmem(.tmemInout, bufferPointer: shared.base.rawValue, size: shared.size, shmRef: 0),
            ])
            #expect(retrieved.outcome.result == .itemNotFound)
            #expect(try board.bus.read(.cpuNonSecure, PhysicalRange(base: shared.base, size: 12)!).allSatisfy { $0 == 0 })
            // The buffer is still the owner's: the next allocation does not alias it.
            #expect(ta.liveBuffers == 1)
            let next = try zalloc(intruder)
            #expect(next.base >= live.base + 2 * pageSize || next.base + 2 * pageSize <= live.base)
            #expect(try board.bus.read(.display, PhysicalRange(checkedBase: live.base, size: 2 * pageSize)).allSatisfy { $0 == 0x77 })
            _ = try driver.closeSession(owner)
            _ = try driver.closeSession(intruder)
            #expect(ta.liveBuffers == 0)
        }
    }
}
