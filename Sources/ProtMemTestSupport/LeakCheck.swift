import ProtMemBoard
import ProtMemDMABuf
import Testing

/// Runs `body` on a fresh board and then checks what every test must leave behind: no live
/// dma-buf, every heap back at its starting free bytes, and every invariant holding. Shared
/// by all tests that touch heaps, so a leak anywhere fails the test that caused it.
public func withLeakCheckedBoard(
    _ configuration: BoardConfiguration = .builtinDefault,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Board) throws -> Void
) throws {
    let board = try Board(configuration)
    let start = freeBytesByHeap(board)
    try body(board)
    expectNoLeaks(board, since: start, sourceLocation: sourceLocation)
}

/// The free bytes of each registered heap, by name.
public func freeBytesByHeap(_ board: Board) -> [String: UInt64] {
    Dictionary(uniqueKeysWithValues: board.heaps.heaps.map { ($0.name, $0.ops.statistics.free) })
}

/// Fails the current test if `board` holds any buffer or any heap's free bytes differ from
/// `start`; checks the board's invariants either way.
public func expectNoLeaks(_ board: Board, since start: [String: UInt64], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(board.dmaBufs.count == 0, "dma-bufs still live: \(board.dmaBufs.buffers)", sourceLocation: sourceLocation)
    #expect(freeBytesByHeap(board) == start, "heap free bytes changed", sourceLocation: sourceLocation)
    board._checkInvariants()
}
