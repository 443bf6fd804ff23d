import ProtMemBoard
import ProtMemDeviceTree
import ProtMemMemory
import Testing

@Suite struct BoardBuilderMemoryTests {
    typealias T = TestTree

    @Test func memoryNodesBecomeMergedDRAMWithHolesAndHighMemory() throws {
        // Two nodes, one with two entries: touching ranges merge, the hole stays, and memory
        // above 4 GiB is ordinary DRAM.
        let tree = T.board(memory: [
            T.node("memory@0", [T.strings("device_type", "memory"), T.reg((0x20_0000, 0x7fe0_0000), (0x8000_0000, 0x7000_0000))]),
            T.memory(0x1_0000_0000, 4 << 30),
        ])
        let description = try BoardBuilder.build(tree)
        #expect(description.configuration.dram == [
            PhysicalRange(checkedBase: 0x20_0000, size: 0xefe0_0000),
            PhysicalRange(checkedBase: 0x1_0000_0000, size: 4 << 30),
        ])
        #expect(description.memory.map(\.path) == ["/memory@0", "/memory@0", "/memory@100000000"])
        let board = try Board(description.configuration)
        #expect(board.memory.size == 0xefe0_0000 + (4 << 30))
    }

    @Test func overlappingMemoryMergesAndPartialPagesAreTrimmed() throws {
        let tree = T.board(memory: [
            T.node("memory@40000000", [T.strings("device_type", "memory"), T.reg((0x4000_0100, 0x1000_0000))]),
            T.memory(0x4800_0000, 0x1000_0000),
        ])
        let dram = try BoardBuilder.build(tree).configuration.dram
        // 0x4000_0100 rounds up to the next page; the end (0x5000_0100) rounds down.
        #expect(dram == [PhysicalRange(checkedBase: 0x4000_1000, size: 0x5800_0000 - 0x4000_1000)])
    }

    @Test func usableMemoryWinsOverRegAndDisabledNodesAreSkipped() throws {
        let tree = T.board(memory: [
            T.node("memory@40000000", [T.strings("device_type", "memory"), T.reg((0x4000_0000, 2 << 30)),
                                       T.reg((0x4000_0000, 1 << 30), name: "linux,usable-memory")]),
            T.node("memory@100000000", [T.strings("device_type", "memory"), T.reg((0x1_0000_0000, 1 << 30)),
                                        T.strings("status", "disabled")]),
        ])
        #expect(try BoardBuilder.build(tree).configuration.dram == [PhysicalRange(checkedBase: 0x4000_0000, size: 1 << 30)])
    }

    @Test func noMemoryIsAClearError() throws {
        let error = try #require(buildError(T.board(memory: [])))
        #expect(error.path == "/")
        #expect(error.description.contains("no memory"))
        #expect(error.description.contains("device_type = \"memory\""))
    }

    @Test func aRegThatDoesNotDecodeNamesNodeAndProperty() throws {
        let bad = T.node("memory@40000000", [T.strings("device_type", "memory"), T.cells("reg", 0, 0x4000_0000, 0)])
        let error = try #require(buildError(T.board(memory: [bad])))
        #expect(error.path == "/memory@40000000" && error.property == "reg")
        #expect(error.description.hasPrefix("/memory@40000000: property \"reg\": does not decode"))
        let wraps = T.node("memory@0", [T.strings("device_type", "memory"), T.reg((0xffff_ffff_ffff_0000, 0x2_0000))])
        let wrapError = try #require(buildError(T.board(memory: [wraps])))
        #expect(wrapError.property == "reg" && wrapError.reason.contains("wraps"))
    }

    @Test func farApartBanksBuildABoardWhoseAllocatorCostsOnlyItsPages() throws {
        // 2 GiB at 0x4000_0000 and 1 GiB at 0xffff_0000_0000 (inside 48 bits): the page
        // allocator's metadata follows the 3 GiB, not the 256 TiB between them.
        let tree = T.board(memory: [T.node("memory@40000000", [T.strings("device_type", "memory"),
                                                               T.reg((0x4000_0000, 2 << 30), (0xffff_0000_0000, 1 << 30))])])
        let board = try Board(try BoardBuilder.build(tree).configuration)
        #expect(board.memory.banks.count == 2)
        // A bit and 4 bytes a page (about 3.1 MiB for 3 GiB); a map of the gap would be 64 GiB.
        #expect(board.pageAllocator.metadataBytes < 4 << 20)
        let block = try #require(board.pageAllocator.allocateZeroed(order: 0))
        #expect(block.base.rawValue >= 0xffff_0000_0000)
        try board.pageAllocator.free(block)
        board.pageAllocator._checkInvariants()
    }

    @Test func banksNoArm64SystemDecodesNameTheirNodeAndProperty() throws {
        // At 2^52, and near 2^64 (without wrapping): past PHYS_MASK_SHIFT's widest.
        for base: UInt64 in [1 << 52, 0xffff_ffff_0000_0000] {
            let tree = T.board(memory: [T.memory(0x4000_0000, 1 << 30), T.memory(base, 1 << 30)])
            let error = try #require(buildError(tree))
            #expect(error.path == "/memory@\(String(base, radix: 16))" && error.property == "reg")
            #expect(error.reason.hasPrefix("entry 0 [0x\(String(base, radix: 16))–"))
            #expect(error.reason.contains("52-bit") && error.reason.contains("PHYS_MASK_SHIFT"))
        }
        // linux,usable-memory is the property named when it is the one read.
        let usable = T.node("memory@0", [T.strings("device_type", "memory"), T.reg((0, 1 << 30)),
                                         T.reg((0, 1 << 30), (0x10_0000_0000_0000, 1 << 30), name: "linux,usable-memory")])
        let error = try #require(buildError(T.board(memory: [usable])))
        #expect(error.property == "linux,usable-memory" && error.reason.hasPrefix("entry 1 "))
    }

    @Test func dramPastTheModelsLimitNamesTheEntryThatTakesItOver() throws {
        let tree = T.board(memory: [
            T.memory(0, 512 << 30),
            T.node("memory@10000000000", [T.strings("device_type", "memory"),
                                          T.reg((0x100_0000_0000, 256 << 30), (0x200_0000_0000, 256 << 30), (0x300_0000_0000, 4096))]),
        ])
        let error = try #require(buildError(tree))
        #expect(error.path == "/memory@10000000000" && error.property == "reg")
        #expect(error.reason.hasPrefix("entry 2 [0x30000000000–0x30000001000) brings DRAM to 1099511631872 bytes"))
        #expect(error.reason.contains("1 TiB"))
        // Overlapping banks count once.
        let overlapping = T.board(memory: [T.memory(0, 1 << 40), T.memory(0, 1 << 40)])
        #expect(try BoardBuilder.build(overlapping).configuration.dram == [PhysicalRange(checkedBase: 0, size: 1 << 40)])
    }

    @Test func theBoardNameIsTheModel() throws {
        #expect(try BoardBuilder.build(T.board()).configuration.name == "test board")
    }
}
