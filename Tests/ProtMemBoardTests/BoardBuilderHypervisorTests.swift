import ProtMemBoard
import ProtMemDMABuf
import ProtMemDeviceTree
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTestSupport
import Testing

/// The `protmem,pkvm` node configures the hypervisor, its FF-A endpoints and the lend heap.
@Suite struct BoardBuilderHypervisorTests {
    typealias T = TestTree

    static func endpoint(_ id: UInt32, unit: String? = nil, _ properties: [DeviceTreeProperty] = []) -> DeviceTreeNode {
        T.node("ffa-endpoint@\(unit ?? String(id, radix: 16))", [T.cells("reg", id)] + properties)
    }

    static let media = endpoint(0x8001, [T.strings("protmem,readers", "gpu-protected", "codec", "display"),
                                         T.strings("protmem,writers", "gpu-protected", "codec"), T.cells("phandle", 0x50)])
    static let camera = endpoint(0x8002, [T.strings("protmem,readers", "codec"), T.strings("protmem,writers", "camera"),
                                          T.cells("phandle", 0x51)])

    static func hypervisor(_ properties: [DeviceTreeProperty] = [], _ endpoints: [DeviceTreeNode] = [media]) -> DeviceTreeNode {
        T.node("hypervisor", [T.strings("compatible", "protmem,pkvm"), T.cells("#address-cells", 1), T.cells("#size-cells", 0)]
                   + properties, endpoints)
    }

    /// `/firmware/hypervisor` on the 2 GiB test board, with `others` beside it under `/firmware`.
    static func tree(_ hypervisor: DeviceTreeNode, firmware others: [DeviceTreeNode] = [], reserved: [DeviceTreeNode]? = nil) -> DeviceTree {
        T.board(reserved: reserved, [T.node("firmware", [], others + [hypervisor])])
    }

    @Test func theNodeBuildsABoardWhoseLendHeapLendsItsPages() throws {
        let tree = Self.tree(Self.hypervisor([T.strings("protmem,heap-name", "protected,secure-video"), T.cells("protmem,heap-endpoint", 0x50)],
                                             [Self.media, Self.camera]))
        let description = try BoardBuilder.build(tree)
        let configuration = try #require(description.configuration.hypervisor)
        #expect(configuration.heapName == "protected,secure-video")
        #expect(configuration.heapReceiver == 0x8001)
        #expect(configuration.receivers == [
            0x8001: OPTEEConfiguration.Grant(readers: [.gpuProtected, .codec, .display], writers: [.gpuProtected, .codec]),
            0x8002: OPTEEConfiguration.Grant(readers: [.codec], writers: [.camera]),
        ])
        #expect(description.hypervisor == HypervisorNode(path: "/firmware/hypervisor", endpoints: [
            .init(id: 0x8001, path: "/firmware/hypervisor/ffa-endpoint@8001"),
            .init(id: 0x8002, path: "/firmware/hypervisor/ffa-endpoint@8002"),
        ]))
        #expect(description.unmodelled.isEmpty)

        try withLeakCheckedBoard(description.configuration) { board in
            // What `protmem heaps` lists: the lend heap, protected.
            let summary = try #require(board.heapSummaries.first { $0.name == "protected,secure-video" })
            #expect(summary.kind == "ffa-lend" && summary.protected)
            #expect(board.heapSummaries.map(\.name) == ["system", "protected,secure-video"])
            let hypervisor = try #require(board.secureMonitor.hypervisor)
            #expect(hypervisor.liveTransactions == 0)

            let heap = try #require(board.heaps.find("protected,secure-video"))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: 4 * pageSize, fdFlags: .readWrite)
            #expect(hypervisor.liveTransactions == 1)
            let codec = try buffer.attach(DMADevice(name: "fdc38100.video-codec", master: .codec))
            let table = try buffer.map(codec, direction: .bidirectional)
            let range = try #require(table.entries.first?.range)
            #expect(hypervisor.pageState(at: range.base) != .hostOwned)
            // The endpoint's codec reaches the lent pages; the host CPU and the camera (not a
            // reader of this endpoint) fault in stage 2.
            try board.bus.fill(.codec, range, with: 0x5A)
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, range) }
            #expect(throws: AccessFault.self) { try board.bus.read(.camera, range) }
            #expect(board.bus.faults.faults.last?.source == "stage2")
            try buffer.unmap(codec, table, direction: .bidirectional)
            try buffer.detach(codec)
            try buffer.put()
            // Freed: reclaimed, scrubbed and the host's again.
            #expect(hypervisor.liveTransactions == 0)
            #expect(hypervisor.pageState(at: range.base) == .hostOwned)
            #expect(try board.bus.read(.cpuNonSecure, range).allSatisfy { $0 == 0 })
        }
    }

    @Test func aSingleEndpointAndTheDefaultNameNeedNoProperties() throws {
        let description = try BoardBuilder.build(Self.tree(Self.hypervisor()))
        let configuration = try #require(description.configuration.hypervisor)
        #expect(configuration.heapName == HypervisorConfiguration.defaultHeapName)
        #expect(configuration.heapReceiver == 0x8001)
        // A disabled endpoint is left out; readers and writers default to none.
        var disabled = Self.endpoint(0x8003)
        disabled.properties.append(T.strings("status", "disabled"))
        let bare = try BoardBuilder.build(Self.tree(Self.hypervisor([], [Self.endpoint(0x1), disabled])))
        #expect(bare.configuration.hypervisor?.receivers == [0x1: OPTEEConfiguration.Grant(readers: [], writers: [])])
        #expect(bare.hypervisor?.endpoints.map(\.id) == [0x1])
        // A disabled hypervisor is no hypervisor.
        let off = try BoardBuilder.build(Self.tree(Self.hypervisor([T.strings("status", "disabled")])))
        #expect(off.configuration.hypervisor == nil && off.hypervisor == nil)
        #expect(off.unmodelled.map(\.path) == ["/firmware/hypervisor"])
    }

    @Test func badEndpointsNameTheNodeAndProperty() throws {
        func error(_ endpoints: [DeviceTreeNode], _ properties: [DeviceTreeProperty] = []) throws -> BoardBuildError {
            try #require(buildError(Self.tree(Self.hypervisor(properties, endpoints))))
        }
        let unknown = try error([Self.endpoint(0x8001, [T.strings("protmem,readers", "gpu-protected", "npu")])])
        #expect(unknown.description == """
            /firmware/hypervisor/ffa-endpoint@8001: property "protmem,readers": no bus master "npu" \
            (the board has cpu, cpu-secure, gpu, gpu-protected, codec, display, camera)
            """)
        let host = try error([Self.endpoint(0x8001, [T.strings("protmem,writers", "codec", "cpu")])])
        #expect(host.path == "/firmware/hypervisor/ffa-endpoint@8001" && host.property == "protmem,writers")
        #expect(host.reason.contains("host CPU"))

        let wide = try error([Self.endpoint(0x1_8001)])
        #expect(wide.description == "/firmware/hypervisor/ffa-endpoint@18001: property \"reg\": 0x18001 is out of range: FF-A endpoint ids are 16 bits")
        let hostID = try error([Self.endpoint(0)])
        #expect(hostID.property == "reg" && hostID.reason.hasPrefix("0x0 is the host's own FF-A id"))
        let twoCells = try error([T.node("ffa-endpoint@8001", [T.cells("reg", 0, 0x8001)])])
        #expect(twoCells.reason == "expected one cell (the FF-A endpoint id), found 8 bytes")
        let noReg = try error([T.node("ffa-endpoint@8001")])
        #expect(noReg.property == "reg" && noReg.reason.hasPrefix("missing"))
        let mismatch = try error([Self.endpoint(0x8001, unit: "8002")])
        #expect(mismatch.description == "/firmware/hypervisor/ffa-endpoint@8002: property \"reg\": 0x8001 does not match the unit address @8002")
        let twice = try error([Self.endpoint(0x8001), Self.endpoint(0x8001, unit: "08001")])
        #expect(twice.description == "/firmware/hypervisor/ffa-endpoint@08001: property \"reg\": endpoint id 0x8001 is also /firmware/hypervisor/ffa-endpoint@8001's")

        let stranger = try error([Self.media, T.node("endpoint@8002", [T.cells("reg", 0x8002)])])
        #expect(stranger.path == "/firmware/hypervisor/endpoint@8002" && stranger.reason.contains("only ffa-endpoint@<id> children"))
        let none = try error([])
        #expect(none.path == "/firmware/hypervisor" && none.property == nil && none.reason.hasPrefix("no enabled ffa-endpoint@<id> child"))
    }

    @Test func theLendModelIsStrictUnlessTheNodeSaysUpstream() throws {
        func model(_ properties: [DeviceTreeProperty]) throws -> Hypervisor.LendModel? {
            try BoardBuilder.build(Self.tree(Self.hypervisor(properties))).configuration.hypervisor?.lendModel
        }
        #expect(try model([]) == .strict)
        #expect(try model([T.strings("protmem,lend-model", "strict")]) == .strict)
        #expect(try model([T.strings("protmem,lend-model", "upstream")]) == .upstream)
        let typo = try #require(buildError(Self.tree(Self.hypervisor([T.strings("protmem,lend-model", "pkvm")]))))
        #expect(typo.description == """
            /firmware/hypervisor: property "protmem,lend-model": "pkvm" is not a lend model: expected "strict" or "upstream"
            """)
        // The model reaches the board's hypervisor.
        let board = try Board(BoardBuilder.build(Self.tree(Self.hypervisor([T.strings("protmem,lend-model", "upstream")]))).configuration)
        #expect(board.secureMonitor.hypervisor?.lendModel == .upstream)
    }

    @Test func theHeapEndpointMustBeOneOfTheNodesEndpoints() throws {
        let unnamed = try #require(buildError(Self.tree(Self.hypervisor([], [Self.media, Self.camera]))))
        #expect(unnamed.description == """
            /firmware/hypervisor: property "protmem,heap-endpoint": missing: the node has 2 endpoints, \
            so it must say which one the heap lends to
            """)
        let optee = T.node("optee", [T.strings("compatible", "linaro,optee-tz"), T.strings("method", "smc"), T.cells("phandle", 0x52)])
        let elsewhere = try #require(buildError(Self.tree(Self.hypervisor([T.cells("protmem,heap-endpoint", 0x52)]), firmware: [optee])))
        #expect(elsewhere.description == """
            /firmware/hypervisor: property "protmem,heap-endpoint": points at /firmware/optee, which is not an enabled endpoint of this node
            """)
        let dangling = try #require(buildError(Self.tree(Self.hypervisor([T.cells("protmem,heap-endpoint", 0x99)]))))
        #expect(dangling.description == "/firmware/hypervisor: property \"protmem,heap-endpoint\": phandle 0x99 points to no node")
        // Naming the second endpoint lends to it.
        let second = try BoardBuilder.build(Self.tree(Self.hypervisor([T.cells("protmem,heap-endpoint", 0x51)], [Self.media, Self.camera])))
        #expect(second.configuration.hypervisor?.heapReceiver == 0x8002)
    }

    @Test func theHeapNameMustBeTheBoardsOnly() throws {
        // OP-TEE's static pool registers protected,secure-video, the hypervisor's default.
        let pool = T.node("optee-protmem@a4000000", [T.reg((0xa400_0000, 0x400_0000)), T.flag("no-map"), T.cells("phandle", 0x30)])
        let optee = T.node("optee", [T.strings("compatible", "linaro,optee-tz"), T.strings("method", "smc"), T.cells("protmem,static-pool", 0x30)])
        let withOPTEE = try #require(buildError(Self.tree(Self.hypervisor(), firmware: [optee], reserved: [pool])))
        #expect(withOPTEE.description == """
            /firmware/hypervisor: property "protmem,heap-name": "protected,secure-video" (the default) is already the name of \
            OP-TEE's protected-memory heap (/firmware/optee); /dev/dma_heap names are unique
            """)
        // With its own name the two live side by side.
        let renamed = try BoardBuilder.build(Self.tree(Self.hypervisor([T.strings("protmem,heap-name", "protected,hyp-video")]),
                                                       firmware: [optee], reserved: [pool]))
        #expect(try Board(renamed.configuration).heaps.names == ["system", "protected,secure-video", "protected,hyp-video"])

        let carveout = T.node("protected@b8000000", [T.strings("compatible", "protmem,protected-carveout"), T.reg((0xb800_0000, 0x800_0000)),
                                                     T.flag("no-map"), T.strings("protmem,heap-name", "protected-carveout")])
        let withCarveout = try #require(buildError(Self.tree(Self.hypervisor([T.strings("protmem,heap-name", "protected-carveout")]), reserved: [carveout])))
        #expect(withCarveout.property == "protmem,heap-name")
        #expect(withCarveout.reason == """
            "protected-carveout" is already the name of the carve-out heap of /reserved-memory/protected@b8000000; /dev/dma_heap names are unique
            """)
        let system = try #require(buildError(Self.tree(Self.hypervisor([T.strings("protmem,heap-name", "system")]))))
        #expect(system.reason.hasPrefix("\"system\" is already the name of the system heap"))
        let slash = try #require(buildError(Self.tree(Self.hypervisor([T.strings("protmem,heap-name", "a/b")]))))
        #expect(slash.description == "/firmware/hypervisor: property \"protmem,heap-name\": \"a/b\" cannot name a /dev/dma_heap node")
    }

    @Test func aBoardHasOneHypervisor() throws {
        var second = Self.hypervisor([], [Self.endpoint(0x8001)])
        second.name = "hypervisor-2"
        let twice = try #require(buildError(T.board([T.node("firmware", [], [Self.hypervisor(), second])])))
        #expect(twice.path == "/firmware/hypervisor-2" && twice.reason.contains("a second enabled protmem,pkvm node (the first is /firmware/hypervisor)"))
    }

    @Test func aBuiltinHypervisorIsDescribedWithoutPaths() {
        let description = BoardDescription(describing: TestBoards.hypervisor)
        #expect(description.hypervisor == HypervisorNode(path: "", endpoints: [.init(id: HypervisorConfiguration.protectedMediaEndpoint, path: "")]))
        #expect(BoardDescription(describing: .builtinDefault).hypervisor == nil)
    }
}
