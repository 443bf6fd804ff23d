import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

@Suite struct HypervisorTests {
    @Test func lendShareAndReclaimMoveStage2Ownership() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            let hypervisor = try #require(board.secureMonitor.hypervisor)
            let driver = try #require(board.ffaDriver)
            let a = try #require(board.pageAllocator.allocateZeroed(order: 2))
            let b = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(a); try? board.pageAllocator.free(b) }
            try board.bus.write(.cpuNonSecure, at: a.base, bytes: [1, 2, 3])
            let lent = try driver.lend([a], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 1)
            #expect(hypervisor.pageState(at: a.base) == .lent(handle: lent))
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(base: a.base, size: 1)!) }
            let fault = try #require(board.bus.faults.faults.last)
            #expect(fault.source == "stage2")
            // Lending or sharing it again is denied; so is an overlapping lend.
            #expect(throws: Errno.permissionDenied) { try driver.lend([a], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 1) }
            let shared = try driver.share([b], with: HypervisorConfiguration.protectedMediaEndpoint, tag: 2)
            #expect(hypervisor.pageState(at: b.base) == .shared(handle: shared))
            try board.bus.write(.cpuNonSecure, at: b.base, bytes: [9])
            #expect(hypervisor.protections.count == 2)
            // The borrower holds both until it relinquishes them: reclaim is FFA_DENIED before.
            #expect(throws: Errno.permissionDenied) { try driver.reclaim(lent) }
            #expect(throws: Errno.permissionDenied) { try driver.reclaim(shared) }
            try driver.requestRelinquish(lent, from: HypervisorConfiguration.protectedMediaEndpoint)
            try driver.requestRelinquish(shared, from: HypervisorConfiguration.protectedMediaEndpoint)
            // Reclaim: lent pages come back scrubbed, shared ones as they were.
            try driver.reclaim(lent)
            try driver.reclaim(shared)
            #expect(try board.bus.read(.cpuNonSecure, PhysicalRange(base: a.base, size: 3)!) == [0, 0, 0])
            #expect(try board.bus.read(.cpuNonSecure, PhysicalRange(base: b.base, size: 1)!) == [9])
            #expect(hypervisor.pageState(at: a.base) == .hostOwned && hypervisor.liveTransactions == 0)
            #expect(throws: Errno.invalidArgument) { try driver.reclaim(lent) }
            // Unknown receivers and memory outside DRAM are refused.
            #expect(throws: Errno.invalidArgument) { try driver.lend([b], to: 0x8999, tag: 0) }
            #expect(throws: Errno.invalidArgument) { try driver.lend([PhysicalRange(checkedBase: 0xC000_0000, size: 4096)], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 0) }
            hypervisor._checkInvariants()
        }
    }

    @Test func descriptorsRoundTripAndBadOnesAreRefused() throws {
        let region = FFAMemoryRegion(sender: 0, tag: 7, receiver: 0x8001, permissions: FFA.readWrite,
                                     constituents: [PhysicalRange(checkedBase: 0x4000_0000, size: 8192), PhysicalRange(checkedBase: 0x5000_0000, size: 4096)])
        let bytes = region.encoded()
        #expect(bytes.count == 48 + 16 + 16 + 32)
        #expect(FFAMemoryRegion.decode(bytes) == region)
        var random = SplitMix64(seed: 5)
        var refused = 0
        for _ in 0..<2_000 {
            var mutated = bytes
            let index = Int(random.next() % UInt64(mutated.count))
            mutated[index] ^= UInt8(1 << (random.next() % 8))
            if FFAMemoryRegion.decode(mutated) == nil { refused += 1 }
            _ = FFAMemoryRegion.decode(Array(mutated.prefix(Int(random.next() % UInt64(mutated.count)))))
        }
        #expect(refused > 0)
    }
}
