import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

/// Stage 2 says where its answer changes (the edges of its entries), so the bus finds the
/// open stretches of a range once per entry, not once per page.
@Suite struct Stage2BoundaryTests {
    @Test func boundariesAreEntryEdgesAndTheBusFindsTheOpenStretches() throws {
        try withLeakCheckedBoard(TestBoards.hypervisor) { board in
            let hypervisor = try #require(board.secureMonitor.hypervisor)
            let driver = try #require(board.ffaDriver)
            let pages = try #require(board.pageAllocator.allocateZeroed(order: 3))
            defer { try? board.pageAllocator.free(pages) }
            func page(_ index: UInt64) -> UInt64 { pages.base.rawValue + index * pageSize }
            func range(_ from: UInt64, _ to: UInt64) -> PhysicalRange { PhysicalRange(checkedBase: page(from), size: (to - from) * pageSize) }
            let lent = try driver.lend([range(2, 4)], to: HypervisorConfiguration.protectedMediaEndpoint, tag: 1)
            let shared = try driver.share([range(4, 5)], with: HypervisorConfiguration.protectedMediaEndpoint, tag: 2)
            #expect(hypervisor.boundary(in: range(0, 8)) == PhysicalAddress(page(2)))
            #expect(hypervisor.boundary(in: range(2, 8)) == PhysicalAddress(page(4)))
            #expect(hypervisor.boundary(in: PhysicalRange(checkedBase: page(2) + 100, size: 6 * pageSize - 100)) == PhysicalAddress(page(4)))
            #expect(hypervisor.boundary(in: range(4, 8)) == PhysicalAddress(page(5)))
            #expect(hypervisor.boundary(in: range(5, 8)) == nil)
            #expect(hypervisor.boundary(in: range(2, 3)) == nil)
            // The host CPU may read all but the lent pages (shared ones stay open to it).
            #expect(board.bus.firstPermitted(.cpuNonSecure, range(0, 8), .read) == range(0, 2))
            #expect(board.bus.firstPermitted(.cpuNonSecure, range(2, 8), .read) == range(4, 8))
            #expect(board.bus.firstPermitted(.cpuNonSecure, range(2, 4), .read) == nil)
            // The codec, a reader of the lend, may read all of it.
            #expect(board.bus.firstPermitted(.codec, range(0, 8), .read) == range(0, 8))
            try driver.requestRelinquish(lent, from: HypervisorConfiguration.protectedMediaEndpoint)
            try driver.requestRelinquish(shared, from: HypervisorConfiguration.protectedMediaEndpoint)
            try driver.reclaim(lent)
            try driver.reclaim(shared)
            #expect(hypervisor.boundary(in: range(0, 8)) == nil)
        }
    }
}
