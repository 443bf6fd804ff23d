import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

/// The hypervisor's protection generation moves with every protection added or lifted, and
/// only then, so a caller may keep what it built from the records while it stands still.
@Suite struct HypervisorProtectionGenerationTests {
    @Test func everyLendShareAndReclaimMovesItAndNothingElseDoes() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            let hypervisor = try #require(board.secureMonitor.hypervisor)
            let driver = try #require(board.ffaDriver)
            let pages = try #require(board.pageAllocator.allocateZeroed(order: 1))
            defer { try? board.pageAllocator.free(pages) }
            let a = PhysicalRange(base: pages.base, size: pageSize)!
            let b = PhysicalRange(base: PhysicalAddress(pages.base.rawValue + pageSize), size: pageSize)!
            var seen = [hypervisor.protectionGeneration]
            func moved() -> Bool {
                let now = hypervisor.protectionGeneration
                defer { seen.append(now) }
                return !seen.contains(now)
            }
            let lent = try driver.lend([a], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 1)
            #expect(moved())
            let shared = try driver.share([b], with: HypervisorConfiguration.protectedMediaEndpoint, tag: 2)
            #expect(moved())
            // Refused calls change no record.
            #expect(throws: Errno.permissionDenied) { try driver.lend([a], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 3) }
            #expect(hypervisor.protectionGeneration == seen.last)
            // The borrower gives it up (its devices lose it), then the host takes it back.
            try driver.requestRelinquish(lent, from: HypervisorConfiguration.protectedMediaEndpoint)
            #expect(moved())
            try driver.reclaim(lent)
            #expect(moved())
            // Lent again after the reclaim: the same records as before it, a new generation.
            let again = try driver.lend([a], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 1)
            #expect(moved())
            try driver.requestRelinquish(again, from: HypervisorConfiguration.protectedMediaEndpoint)
            #expect(moved())
            try driver.reclaim(again)
            #expect(moved())
            try driver.requestRelinquish(shared, from: HypervisorConfiguration.protectedMediaEndpoint)
            #expect(moved())
            try driver.reclaim(shared)
            #expect(moved())
            #expect(hypervisor.protections.isEmpty)
        }
    }
}
