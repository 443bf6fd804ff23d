import ProtMemBoard
import ProtMemDMABuf
import ProtMemDeviceTree
@_spi(SecureWorld) import ProtMemMemory
import Testing

/// The three device-tree designs for how the GPU finds protected memory, and the errors
/// each refuses.
@Suite struct BoardBuilderDesignTests {
    typealias T = TestTree

    static let carveout = T.node("carveout@b8000000", [
        T.strings("compatible", "protmem,protected-carveout"), T.reg((0xb800_0000, 0x800_0000)), T.flag("no-map"),
        T.strings("protmem,heap-name", "protected-carveout"), T.strings("protmem,readers", "gpu-protected", "display"),
        T.strings("protmem,writers", "gpu-protected"), T.strings("protmem,cpu-access", "restricted-heap"), T.cells("phandle", 0x10),
    ])
    static let region = T.node("gpu-protected@b0000000", [
        T.strings("compatible", "protmem,protected-region"), T.reg((0xb000_0000, 0x800_0000)), T.flag("no-map"),
        T.strings("protmem,readers", "gpu-protected", "display"), T.strings("protmem,writers", "gpu-protected"), T.cells("phandle", 0x11),
    ])
    static let heapDevice = T.node("protected-heap", [
        T.strings("compatible", "protmem,protected-heap"), T.cells("memory-region", 0x10), T.cells("phandle", 0x12),
    ])

    static func board(gpu properties: [DeviceTreeProperty], _ others: [DeviceTreeNode] = []) -> DeviceTree {
        T.board(reserved: [carveout, region], [T.gpu(properties)] + others)
    }

    @Test func heapByNameFindsTheHeapOrDefersProbe() throws {
        let description = try BoardBuilder.build(Self.board(gpu: [T.strings("protected-heap-name", "protected-carveout")]))
        let gpu = try #require(description.gpu)
        #expect(gpu.design == .heapName("protected-carveout"))
        #expect(gpu.path == "/gpu@fb000000" && gpu.registers == PhysicalRange(checkedBase: 0xfb00_0000, size: 0x20_0000))
        let carveout = try #require(description.configuration.carveouts.first)
        #expect(carveout.readers == [.gpuProtected, .display] && carveout.writers == [.gpuProtected])
        #expect(carveout.cpuAccessPolicy == .restrictedHeap)
        let board = try Board(description.configuration)
        guard case .heap(let heap) = try board.probeProtectedMemory(for: gpu) else {
            Issue.record("no heap")
            return
        }
        #expect(heap.name == "protected-carveout")
        board.heaps.put(heap)

        // A name no heap has: the driver defers probe (EPROBE_DEFER), it does not fail.
        let missing = try BoardBuilder.build(Self.board(gpu: [T.strings("protected-heap-name", "protected,secure-video")]))
        let waiting = try Board(missing.configuration)
        #expect(throws: Errno.probeDefer) { try waiting.probeProtectedMemory(for: missing.gpu!) }
    }

    @Test func memoryRegionHandsTheDriverAFirewalledRegion() throws {
        let description = try BoardBuilder.build(Self.board(gpu: [
            T.cells("memory-region", 0x10, 0x11), T.strings("memory-region-names", "other", "protected"),
        ]))
        // Entry "protected" of memory-region-names, not the first.
        #expect(description.gpu?.design == .reservedRegion(name: "gpu-protected@b0000000", range: PhysicalRange(checkedBase: 0xb000_0000, size: 0x800_0000)))
        let board = try Board(description.configuration)
        let record = try #require(board.secureMonitor.protections.first { $0.owner == "gpu-protected@b0000000" })
        #expect(record.readers == ["gpu-protected", "display"] && record.writers == ["gpu-protected"])
        #expect(!board.heaps.names.contains("gpu-protected@b0000000"))
        // The GPU in protected mode may write the region; the CPU may not even read it.
        let range = PhysicalRange(checkedBase: 0xb000_0000, size: 0x1000)
        #expect(throws: Never.self) { try board.bus.privileged.fill(.gpuProtected, range, with: 0x5a) }
        #expect(throws: (any Error).self) { try board.bus.read(.cpuNonSecure, range) }
    }

    @Test func memoryRegionMustBeNoMapAndUnowned() throws {
        let mapped = T.node("pool@a0000000", [T.reg((0xa000_0000, 0x100_0000)), T.cells("phandle", 0x20)])
        let notNoMap = try #require(buildError(Self.board(gpu: [T.cells("memory-region", 0x20)], []).withReserved(mapped)))
        #expect(notNoMap.path == "/gpu@fb000000" && notNoMap.property == "memory-region")
        #expect(notNoMap.reason.contains("not no-map"))
        let outside = T.node("sram@10000", [T.reg((0x1_0000, 0x1_0000)), T.flag("no-map"), T.cells("phandle", 0x21)])
        let nowhere = try #require(buildError(Self.board(gpu: [T.cells("memory-region", 0x21)], []).withReserved(outside)))
        #expect(nowhere.reason.contains("lies outside DRAM"))
        let owned = try #require(buildError(Self.board(gpu: [T.cells("memory-region", 0x10)])))
        #expect(owned.reason.contains("protmem,protected-carveout region that already has an owner"))
        let dangling = try #require(buildError(Self.board(gpu: [T.cells("memory-region", 0x99)])))
        #expect(dangling.description == "/gpu@fb000000: property \"memory-region\": phandle 0x99 points to no node")
    }

    @Test func heapDeviceIsATypedImportOfItsCarveout() throws {
        let description = try BoardBuilder.build(Self.board(gpu: [T.cells("protmem,protected-heap", 0x12)], [Self.heapDevice]))
        let device = HeapDevice(path: "/protected-heap", heapName: "protected-carveout", backing: .carveout(region: "carveout@b8000000"))
        #expect(description.gpu?.design == .heapDevice(device))
        #expect(description.heapDevices == [device])
        #expect(description.unmodelled.isEmpty)
        let board = try Board(description.configuration)
        guard case .heap(let heap) = try board.probeProtectedMemory(for: description.gpu!) else {
            Issue.record("no heap")
            return
        }
        #expect(heap.ops === board.carveoutHeaps.first)
        board.heaps.put(heap)
    }

    @Test func heapDeviceErrors() throws {
        let notAHeap = try #require(buildError(Self.board(gpu: [T.cells("protmem,protected-heap", 0x11)], [Self.heapDevice])))
        #expect(notAHeap.property == "protmem,protected-heap")
        #expect(notAHeap.reason.contains("/reserved-memory/gpu-protected@b0000000, which is not an enabled protmem,protected-heap node"))
        let wrongBacking = T.node("protected-heap", [T.strings("compatible", "protmem,protected-heap"), T.cells("memory-region", 0x11)])
        let backing = try #require(buildError(Self.board(gpu: [], [wrongBacking])))
        #expect(backing.path == "/protected-heap" && backing.reason.contains("not an enabled protmem,protected-carveout"))
        let both = T.node("protected-heap", [T.strings("compatible", "protmem,protected-heap"), T.cells("memory-region", 0x10),
                                             T.strings("protmem,heap-name", "x")])
        #expect(try #require(buildError(Self.board(gpu: [], [both]))).reason.contains("one backing"))
    }

    @Test func twoDesignsOnOneGPUAreRefused() throws {
        let error = try #require(buildError(Self.board(gpu: [T.strings("protected-heap-name", "protected-carveout"), T.cells("memory-region", 0x11)])))
        #expect(error.path == "/gpu@fb000000" && error.property == "memory-region")
        #expect(error.reason.contains("both protected-heap-name and memory-region"))
    }

    @Test func noDesignAndNoGPU() throws {
        #expect(try BoardBuilder.build(Self.board(gpu: [])).gpu?.design == GPUDesign.none)
        #expect(try BoardBuilder.build(T.board()).gpu == nil)
        var disabled = Self.board(gpu: [T.strings("status", "disabled")])
        #expect(try BoardBuilder.build(disabled).gpu == nil)
        #expect(try BoardBuilder.build(disabled).unmodelled.contains { $0.path == "/gpu@fb000000" && $0.reason == "disabled" })
        disabled.root.children.append(T.gpu().renamed("gpu@fc000000"))
        #expect(try BoardBuilder.build(disabled).gpu?.path == "/gpu@fc000000")
    }

    @Test func gpuRegistersAreTranslatedThroughTheBus() throws {
        let soc = T.node("soc", [T.strings("compatible", "simple-bus"), T.cells("#address-cells", 1), T.cells("#size-cells", 1),
                                 T.cells("ranges", 0x0, 0x0, 0xf000_0000, 0x1000_0000)], [
            T.node("gpu@b000000", [T.strings("compatible", "arm,mali-valhall-csf"), T.cells("reg", 0xb00_0000, 0x20_0000)]),
        ])
        let description = try BoardBuilder.build(T.board([soc]))
        #expect(description.gpu?.registers == PhysicalRange(checkedBase: 0xfb00_0000, size: 0x20_0000))
        #expect(description.unmodelled.map(\.path) == ["/soc"])
        var closed = T.board([soc])
        closed.root.children[1].properties.removeLast()
        #expect(try #require(buildError(closed)).reason.contains("the parent bus /soc has no ranges"))
    }

    @Test func unknownNodesAreListedNotRejected() throws {
        let tree = Self.board(gpu: [], [
            T.node("usb@fc000000", [T.strings("compatible", "rockchip,rk3588-dwc3", "snps,dwc3")]),
            T.node("gadget", [T.strings("compatible", "protmem,something-new"), T.cells("protmem,whatever", 1)]),
            T.node("chosen", [T.strings("bootargs", "console=ttyS2")]),
        ])
        let description = try BoardBuilder.build(tree)
        #expect(description.unmodelled == [
            UnmodelledNode(path: "/usb@fc000000", compatible: ["rockchip,rk3588-dwc3", "snps,dwc3"], reason: "no model"),
            UnmodelledNode(path: "/gadget", compatible: ["protmem,something-new"], reason: "no model"),
        ])
    }
}

extension DeviceTree {
    /// This tree with one more `/reserved-memory` child.
    func withReserved(_ node: DeviceTreeNode) -> DeviceTree {
        var tree = self
        if let index = tree.root.children.firstIndex(where: { $0.name == "reserved-memory" }) {
            tree.root.children[index].children.append(node)
        }
        return tree
    }
}

extension DeviceTreeNode {
    func renamed(_ name: String) -> DeviceTreeNode {
        var node = self
        node.name = name
        return node
    }
}
