@testable import ProtMemSimulation
import ProtMemBoard
@_spi(SecureWorld) import ProtMemMemory
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The producer of protected content (the secure decode or capture session) writes it only
/// into memory the normal world cannot read, whatever buffer the kernel hands it.
@Suite struct SecureProducerTests {
    @Test func protectedContentGoesOnlyIntoProtectedMemory() throws {
        try withLeakCheckedBoard { board in
            let context = SimulationContext(board: board, events: EventQueue(), seed: 1, gpu: nil, protectedHeap: "protected-carveout",
                                            end: .zero + .seconds(1), userspaceDesign: false)
            let checker = InvariantChecker(board: board)
            checker.install()
            defer { checker.uninstall() }
            // Ordinary RAM (a buffer taken back from under its owner looks just like this).
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(page) }
            #expect(throws: AccessFault.self) { _ = try context.writeMarker(.codec, into: page) }
            #expect(try board.bus.read(.cpuNonSecure, page).allSatisfy { $0 == 0 })
            #expect(checker.contentViolations.isEmpty)
            // A protected buffer takes it.
            let heap = try #require(board.heaps.find("protected-carveout"))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: pageSize, fdFlags: .readWrite)
            let range = try #require(buffer.exporter.backing?.entries.first?.range)
            let id = try context.writeMarker(.codec, into: range)
            #expect(try ContentMarker.bytes(id: id) == board.bus.read(.display, PhysicalRange(base: range.base, size: 16)!))
            #expect(checker.contentViolations.isEmpty)
            try board.bus.fill(.codec, range, with: 0)
            try buffer.put()
        }
    }
}
