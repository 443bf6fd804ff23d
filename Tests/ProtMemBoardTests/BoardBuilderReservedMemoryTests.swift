import ProtMemBoard
import ProtMemDeviceTree
import ProtMemMemory
import Testing

@Suite struct BoardBuilderReservedMemoryTests {
    typealias T = TestTree

    static func region(_ name: String, _ base: UInt64, _ size: UInt64, _ properties: [DeviceTreeProperty] = []) -> DeviceTreeNode {
        T.node(name, [T.reg((base, size))] + properties)
    }

    @Test func kindsFollowCompatibleAndFlags() throws {
        let tree = T.board(reserved: [
            Self.region("optee@43200000", 0x4320_0000, 0xc0_0000, [T.flag("no-map")]),
            Self.region("scp@50000000", 0x5000_0000, 0x290_0000, [T.strings("compatible", "shared-dma-pool"), T.flag("no-map")]),
            Self.region("pool@53000000", 0x5300_0000, 0x140_0000, [T.strings("compatible", "shared-dma-pool")]),
            Self.region("wifi@54800000", 0x5480_0000, 0x40_0000, [T.strings("compatible", "restricted-dma-pool")]),
            Self.region("vpu@56000000", 0x5600_0000, 0x20_0000, [T.strings("compatible", "shared-dma-pool"), T.flag("reusable")]),
            Self.region("blob@58000000", 0x5800_0000, 0x1000, [T.flag("no-map")]),
            Self.region("log@59000000", 0x5900_0000, 0x1000),
            Self.region("carveout@60000000", 0x6000_0000, 0x100_0000, [T.strings("compatible", "protmem,protected-carveout"), T.flag("no-map")]),
            Self.region("region@62000000", 0x6200_0000, 0x100_0000, [T.strings("compatible", "protmem,protected-region"), T.flag("no-map")]),
            Self.region("linux,cma@70000000", 0x7000_0000, 0x1000_0000, [T.strings("compatible", "shared-dma-pool"), T.flag("reusable"), T.flag("linux,cma-default")]),
        ])
        let description = try BoardBuilder.build(tree)
        #expect(description.reservedMemory.map(\.kind) == [
            .firmware, .sharedDMAPool, .sharedDMAPool, .restrictedDMAPool, .reusable, .noMap, .reserved,
            .protectedCarveout, .protectedRegion, .defaultCMA,
        ])
        // The default CMA area, and so its heap, is named after the node, unit address and all
        // (rmem->name is the node's full name).
        #expect(description.configuration.cma?.name == "linux,cma@70000000")
        #expect(description.configuration.carveouts.map(\.heapName) == ["carveout@60000000"])
        let board = try Board(description.configuration)
        #expect(board.heaps.names == ["system", "linux,cma@70000000", "carveout@60000000"])
        // Firmware and the protected region are firewalled; every region's pages are kept
        // from the page allocator (a 4 KiB node and a 256-byte one still cost a page).
        let owners = board.secureMonitor.protections.map(\.owner)
        #expect(owners == ["carveout@60000000", "optee@43200000", "region@62000000"])
        let optee = try #require(board.secureMonitor.protections.first { $0.owner == "optee@43200000" })
        #expect(optee.readers.isEmpty && optee.writers.isEmpty)
        let reservedBytes: UInt64 = 0xc0_0000 + 0x290_0000 + 0x140_0000 + 0x40_0000 + 0x20_0000 + 0x1000 + 0x1000
            + 0x100_0000 + 0x100_0000 + 0x1000_0000
        #expect(board.pageAllocator.totalBytes == (2 << 30) - reservedBytes)
        board._checkInvariants()
    }

    @Test func sizeOnlyRegionsArePlacedTopDownInTheirWindow() throws {
        let tree = T.board(reserved: [
            Self.region("fixed@bf000000", 0xbf00_0000, 0x100_0000, [T.flag("no-map")]),
            T.node("linux,cma", [T.strings("compatible", "shared-dma-pool"), T.u64("size", 0x300_0000),
                                 T.reg((0x4000_0000, 0x8000_0000), name: "alloc-ranges"), T.flag("reusable"), T.flag("linux,cma-default")]),
            T.node("anywhere", [T.u64("size", 0x10_0000), T.u64("alignment", 0x100_0000), T.flag("no-map")]),
        ])
        let description = try BoardBuilder.build(tree)
        let cma = try #require(description.reservedMemory.first { $0.name == "linux,cma" })
        // Below the fixed region at the top, aligned to CMA's 2 MiB.
        #expect(cma.range == PhysicalRange(checkedBase: 0xbc00_0000, size: 0x300_0000) && cma.isDynamic)
        #expect(description.configuration.cma?.name == "linux,cma")
        let anywhere = try #require(description.reservedMemory.first { $0.name == "anywhere" })
        #expect(anywhere.range == PhysicalRange(checkedBase: 0xbb00_0000, size: 0x10_0000))
        // Static regions come first, then the placed ones, as the kernel reserves them.
        #expect(description.reservedMemory.map(\.name) == ["fixed@bf000000", "linux,cma", "anywhere"])
    }

    @Test func aRegionThatCannotBePlacedSaysWhere() throws {
        let tree = T.board(reserved: [
            T.node("big", [T.u64("size", 0x1000_0000), T.reg((0x4000_0000, 0x100_0000), name: "alloc-ranges")]),
        ])
        let error = try #require(buildError(tree))
        #expect(error.path == "/reserved-memory/big" && error.property == "size")
        #expect(error.reason.contains("alloc-ranges [0x40000000–0x41000000)"))
    }

    @Test func overlappingRegionsNameBothNodes() throws {
        let tree = T.board(reserved: [
            Self.region("a@50000000", 0x5000_0000, 0x200_0000, [T.flag("no-map")]),
            Self.region("b@51000000", 0x5100_0000, 0x100_0000, [T.flag("no-map")]),
        ])
        let error = try #require(buildError(tree))
        #expect(error.path == "/reserved-memory/b@51000000" && error.property == "reg")
        #expect(error.reason.contains("overlaps /reserved-memory/a@50000000"))
    }

    @Test func aHeapRegionOutsideDRAMIsRefusedAndAPlainOneIsKept() throws {
        let outside = T.board(reserved: [
            Self.region("carveout@c0000000", 0xc000_0000, 0x100_0000, [T.strings("compatible", "protmem,protected-carveout"), T.flag("no-map")]),
        ])
        let error = try #require(buildError(outside))
        #expect(error.path == "/reserved-memory/carveout@c0000000" && error.property == "reg")
        #expect(error.reason.contains("lies outside DRAM ([0x40000000–0xc0000000))"))

        // Firmware memory the bootloader left out of the memory node (TF-A's first 2 MiB on
        // Rockchip) is fine: it is kept, flagged, and costs the page allocator nothing.
        let firmware = T.board(reserved: [Self.region("shmem@10f000", 0x10_f000, 0x100, [T.flag("no-map")])])
        let description = try BoardBuilder.build(firmware)
        #expect(description.reservedMemory.first?.isInDRAM == false)
        #expect(try Board(description.configuration).pageAllocator.totalBytes == 2 << 30)

        let straddling = T.board(reserved: [Self.region("edge@bff00000", 0xbff0_0000, 0x20_0000, [T.flag("no-map")])])
        #expect(try #require(buildError(straddling)).reason.contains("straddles the edge of DRAM"))
    }

    @Test func flagCombinationsTheKernelRefusesAreErrors() throws {
        let cases: [(DeviceTreeNode, String, String)] = [
            (Self.region("x@50000000", 0x5000_0000, 0x20_0000, [T.strings("compatible", "restricted-dma-pool"), T.flag("no-map")]), "no-map", "restricted-dma-pool"),
            (Self.region("x@50000000", 0x5000_0000, 0x20_0000, [T.strings("compatible", "shared-dma-pool"), T.flag("reusable"), T.flag("no-map")]), "no-map", "both reusable"),
            (Self.region("x@50000000", 0x5000_0000, 0x20_0000, [T.strings("compatible", "shared-dma-pool"), T.flag("linux,cma-default")]), "linux,cma-default", "needs reusable"),
            (Self.region("x@50000000", 0x5000_0000, 0x20_0000, [T.strings("compatible", "protmem,protected-carveout")]), "no-map", "must be no-map"),
            (Self.region("x@50100000", 0x5010_0000, 0x20_0000, [T.strings("compatible", "shared-dma-pool"), T.flag("reusable")]), "reg", "incorrect alignment of CMA region"),
            (Self.region("x@50000000", 0x5000_0000, 0x800, [T.strings("compatible", "protmem,protected-region"), T.flag("no-map")]), "reg", "not whole 4 KiB pages"),
            (T.node("x", [T.flag("no-map")]), "", "needs reg"),
        ]
        for (node, property, message) in cases {
            let error = try #require(buildError(T.board(reserved: [node])))
            #expect(error.path.hasPrefix("/reserved-memory/x"))
            #expect((error.property ?? "") == property, "\(error)")
            #expect(error.reason.contains(message), "\(error)")
        }
    }

    @Test func reservedMemoryWithCellsOtherThanTheRootsIsRefused() throws {
        var tree = T.board(reserved: [])
        let index = try #require(tree.root.children.firstIndex { $0.name == "reserved-memory" })
        tree.root.children[index].properties[1] = T.cells("#size-cells", 1)
        let error = try #require(buildError(tree))
        #expect(error.path == "/reserved-memory" && error.property == "#size-cells")
        #expect(error.reason.contains("unsupported node format"))
    }

    @Test func disabledRegionsAreListedNotReserved() throws {
        let tree = T.board(reserved: [Self.region("off@50000000", 0x5000_0000, 0x100_0000, [T.flag("no-map"), T.strings("status", "disabled")])])
        let description = try BoardBuilder.build(tree)
        #expect(description.reservedMemory.isEmpty)
        #expect(description.unmodelled == [UnmodelledNode(path: "/reserved-memory/off@50000000", compatible: [], reason: "disabled")])
    }

    @Test func memoryReservationsAreKeptAndChecked() throws {
        var tree = T.board(reserved: [Self.region("a@50000000", 0x5000_0000, 0x100_0000, [T.flag("no-map")])])
        tree.memoryReservations = [MemoryReservation(address: 0x4800_0000, size: 0x1000)]
        let board = try Board(BoardBuilder.build(tree).configuration)
        #expect(board.pageAllocator.totalBytes == (2 << 30) - 0x100_0000 - 0x1000)
        tree.memoryReservations = [MemoryReservation(address: 0x5000_0000, size: 0x1000)]
        #expect(try #require(buildError(tree)).reason.contains("overlaps memreserve 0"))
    }
}
