import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemSecureWorld
import Testing

/// Runs `body` on a fresh board and then checks what every test must leave behind: no live
/// dma-buf, every heap back at its starting free bytes, every invariant holding, and, once
/// the test lets go of it, the board gone (``BoardReleaseWatch``). Shared by
/// all tests that touch heaps, so a leak anywhere fails the test that caused it.
public func withLeakCheckedBoard(
    _ configuration: BoardConfiguration = .builtinDefault,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ body: (Board) throws -> Void
) throws {
    var watch = BoardReleaseWatch()
    try {
        let board = try Board(configuration)
        watch.watch(board)
        let start = freeBytesByHeap(board)
        try body(board)
        expectNoLeaks(board, since: start, sourceLocation: sourceLocation)
    }()
    watch.expectReleased(sourceLocation: sourceLocation)
}

/// Weak references to a board and the parts that hold its memory, to check that letting go
/// of the board frees it: a reference cycle through it (an observer on its bus that holds the
/// board, a trusted OS that holds its monitor) would keep the board, and its DRAM
/// reservation, alive for ever.
public struct BoardReleaseWatch {
    private weak var board: Board?
    private weak var bus: Bus?
    private weak var memory: PhysicalMemory?
    private weak var monitor: SecureMonitor?

    public init() {}

    public mutating func watch(_ board: Board) {
        self.board = board
        bus = board.bus
        memory = board.memory
        monitor = board.secureMonitor
    }

    /// Fails the current test if the watched board, or its bus, DRAM or secure monitor, is
    /// still alive.
    public func expectReleased(sourceLocation: SourceLocation = #_sourceLocation) {
        let alive = [("board", board != nil), ("bus", bus != nil), ("DRAM", memory != nil), ("secure monitor", monitor != nil)]
            .filter(\.1).map(\.0)
        #expect(alive.isEmpty, "still alive after the board was let go of (a reference cycle): \(alive.joined(separator: ", "))", sourceLocation: sourceLocation)
    }
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
