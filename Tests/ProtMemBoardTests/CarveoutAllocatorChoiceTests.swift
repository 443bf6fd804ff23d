import ProtMemBoard
import ProtMemDMABuf
import ProtMemDeviceTree
import ProtMemHeaps
import ProtMemMemory
import Testing

/// `protmem,allocator` on a carve-out node chooses what hands the carve-out out; both
/// choices give the same buffers.
@Suite struct CarveoutAllocatorChoiceTests {
    typealias T = TestTree

    static func tree(_ allocator: [DeviceTreeProperty]) -> DeviceTree {
        T.board(reserved: [T.node("carveout@b8000000", [
            T.strings("compatible", "protmem,protected-carveout"), T.reg((0xb800_0000, 0x800_0000)), T.flag("no-map"),
            T.strings("protmem,heap-name", "protected-carveout"), T.strings("protmem,readers", "gpu-protected"),
        ] + allocator)])
    }

    /// The addresses of a few buffers allocated and freed through the heap framework.
    static func addresses(on board: Board) throws -> [UInt64] {
        let heap = try #require(board.heaps.find("protected-carveout"))
        defer { board.heaps.put(heap) }
        var held: [DMABuf] = []
        var bases: [UInt64] = []
        for pages in [3, 1, 16, 2, 5] as [UInt64] {
            let buffer = try board.heaps.allocate(heap, length: pages << pageShift, fdFlags: [.readWrite, .closeOnExec])
            bases.append(try #require(board.carveoutHeaps[0].freeExtents.first).base.rawValue)
            held.append(buffer)
        }
        try held[1].put()
        try held[3].put()
        let again = try board.heaps.allocate(heap, length: 1 << pageShift, fdFlags: [.readWrite])
        bases.append(try #require(board.carveoutHeaps[0].freeExtents.first).base.rawValue)
        for buffer in [held[0], held[2], held[4], again] { try buffer.put() }
        board._checkInvariants()
        #expect(board.carveoutHeaps[0].freeExtents == [PhysicalRange(checkedBase: 0xb800_0000, size: 0x800_0000)])
        return bases
    }

    @Test func theDeviceTreeChoosesTheAllocator() throws {
        let plain = try BoardBuilder.build(Self.tree([]))
        #expect(plain.configuration.carveouts.first?.allocator == .firstFit)
        let fast = try BoardBuilder.build(Self.tree([T.strings("protmem,allocator", "extent-tree")]))
        #expect(fast.configuration.carveouts.first?.allocator == .extentTree)
        let named = try BoardBuilder.build(Self.tree([T.strings("protmem,allocator", "first-fit")]))
        #expect(named.configuration.carveouts.first?.allocator == .firstFit)

        let firstFitBoard = try Board(plain.configuration), treeBoard = try Board(fast.configuration)
        #expect(firstFitBoard.carveoutHeaps.map(\.allocator) == [.firstFit] && treeBoard.carveoutHeaps.map(\.allocator) == [.extentTree])
        #expect(try Self.addresses(on: treeBoard) == Self.addresses(on: firstFitBoard))
    }

    @Test func anUnknownAllocatorIsTheNodesError() {
        let error = buildError(Self.tree([T.strings("protmem,allocator", "tlsf")]))
        #expect(error?.description == #"/reserved-memory/carveout@b8000000: property "protmem,allocator": "tlsf" is not an allocator; expected one of "first-fit", "extent-tree""#)
    }
}
