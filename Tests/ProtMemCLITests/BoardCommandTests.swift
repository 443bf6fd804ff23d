import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

/// `protmem board` and `protmem heaps` with a board blob (the argument or `--board`) and
/// `--overlay`, run as the built binary.
@Suite struct BoardCommandTests {
    struct Report: Decodable {
        struct Heap: Decodable, Equatable {
            let name: String
            let kind: String
            let size: UInt64
            let free: UInt64
            let protected: Bool
        }
        struct GPU: Decodable {
            let path: String
            let design: String
            let heap: String?
            let heap_device: String?
            let region: String?
            let probe: String
        }
        struct Region: Decodable {
            let name: String
            let kind: String
            let base: UInt64
            let size: UInt64
            let in_dram: Bool
        }
        struct Unmodelled: Decodable {
            let path: String
            let compatible: [String]
            let reason: String
        }
        struct Hypervisor: Decodable, Equatable {
            struct Endpoint: Decodable, Equatable {
                let id: UInt16
                let path: String
                let readers: [String]
                let writers: [String]
            }
            let path: String
            let heap: String
            let heap_endpoint: UInt16
            let endpoints: [Endpoint]
        }
        let name: String
        let heaps: [Heap]
        let gpu: GPU?
        let hypervisor: Hypervisor?
        let reserved_memory: [Region]
        let unmodelled: [Unmodelled]
    }

    static let withData = BoardBlobs.built != nil && BoardBlobs.rock5b != nil

    static func report(_ arguments: [String]) throws -> (Report, String) {
        let result = try runProtMem(["board", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        return (try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8)), result.stdout)
    }

    @Test func theDefaultBoardHasItsGPUAndHeaps() throws {
        let (report, text) = try Self.report([])
        #expect(report.name == "protmem-default")
        #expect(report.heaps.map(\.name) == ["system", "linux,cma", "protected-carveout", "protected,secure-video"])
        #expect(report.gpu?.design == "heap-name" && report.gpu?.heap == "protected-carveout" && report.gpu?.probe == "ready")
        // Stable keys, absent parts as null.
        #expect(text.contains("\"heap_device\" : null"))
        #expect(text.contains("\"hypervisor\" : null") && report.hypervisor == nil)
        #expect(report.unmodelled.isEmpty)
    }

    @Test(.enabled(if: withData, "dtc or ../shared/data absent"))
    func eachShippedOverlayGivesTheRock5BItsDesign() throws {
        let base = try #require(BoardBlobs.rock5b).path
        let expected: [String: (heaps: [String], gpu: (String?, String?, String?))] = [
            "heap-name": (["system", "protected,secure-video"], ("protected,secure-video", nil, nil)),
            "memory-region": (["system"], (nil, nil, "gpu-protected@e8000000")),
            "heap-device": (["system", "protected-carveout"], ("protected-carveout", "/protected-heap", nil)),
        ]
        for (design, file) in BoardBlobs.shippedOverlays {
            let overlay = try #require(BoardBlobs.builtBlob(file)).path
            let (report, _) = try Self.report([base, "--overlay", overlay])
            let want = try #require(expected[design])
            #expect(report.name == "Radxa ROCK 5B")
            #expect(report.gpu?.path == "/gpu@fb000000")
            #expect(report.gpu?.design == design, "\(file)")
            #expect(report.gpu?.probe == "ready")
            #expect(report.gpu?.heap == want.gpu.0 && report.gpu?.heap_device == want.gpu.1 && report.gpu?.region == want.gpu.2, "\(file)")
            #expect(report.heaps.map(\.name) == want.heaps, "\(file)")
            #expect(report.heaps.dropFirst().allSatisfy { $0.protected && $0.size == 128 << 20 })
            // The real board's devices are listed, not rejected; TF-A's SCMI memory is kept
            // though it lies below the DRAM U-Boot reports.
            #expect(report.unmodelled.contains { $0.path == "/usb@fc000000" && $0.compatible == ["rockchip,rk3588-dwc3", "snps,dwc3"] })
            #expect(report.reserved_memory.contains { $0.name == "shmem@10f000" && !$0.in_dram })

            // `protmem heaps` reads the same board through the same options.
            let heaps = try runProtMem(["heaps", "--json", "--board", base, "--overlay", overlay])
            #expect(heaps.status == 0, "\(heaps.stderr)")
            #expect(try JSONDecoder().decode([Report.Heap].self, from: Data(heaps.stdout.utf8)) == report.heaps)
        }
    }

    @Test(.enabled(if: withData, "dtc or ../shared/data absent"))
    func theTextSummaryShowsEachPart() throws {
        let base = try #require(BoardBlobs.rock5b).path
        let overlay = try #require(BoardBlobs.builtBlob("rk3588-rock-5b-heap-device.dtbo")).path
        let result = try runProtMem(["board", base, "--overlay", overlay])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "board: Radxa ROCK 5B")
        #expect(lines.contains("memory: 7.75 GiB in 2 ranges"))
        #expect(lines.contains { $0.contains("protected-carveout@e8000000") && $0.contains("protmem,protected-carveout") && $0.contains("128 MiB") })
        #expect(lines.contains { $0.contains("design heap-device") && $0.contains("probe ready") })
        #expect(lines.contains { $0.hasPrefix("unmodelled: 240 nodes") })
    }

    @Test(.enabled(if: withData, "dtc or ../shared/data absent"))
    func theDefaultBoardSourceSummarisesAsTheBuiltinBoard() throws {
        let blob = try #require(BoardBlobs.builtBlob("protmem-default.dtb")).path
        let (fromSource, _) = try Self.report([blob])
        let (builtin, _) = try Self.report([])
        #expect(fromSource.heaps == builtin.heaps)
        #expect(fromSource.gpu?.design == builtin.gpu?.design && fromSource.gpu?.heap == builtin.gpu?.heap)
        // `protmem heaps` keeps its output for the default board whichever way it is named.
        let plain = try runProtMem(["heaps", "--json"]), named = try runProtMem(["heaps", "--json", "--board", blob])
        #expect(plain.stdout == named.stdout)
        // Every board-taking command takes the blob as its argument too.
        #expect(try runProtMem(["heaps", "--json", blob]).stdout == named.stdout)
        #expect(try Self.report(["--board", blob]).1 == Self.report([blob]).1)
    }

    /// A small tree with a `protmem,pkvm` node, written by ProtMem's own FDT writer.
    static func hypervisorBlob() throws -> URL {
        func node(_ name: String, _ properties: [DeviceTreeProperty] = [], _ children: [DeviceTreeNode] = []) -> DeviceTreeNode {
            DeviceTreeNode(name: name, properties: properties, children: children)
        }
        let endpoint = node("ffa-endpoint@8001", [
            DeviceTreeProperty(name: "reg", cells: [0x8001]),
            DeviceTreeProperty(name: "protmem,readers", strings: ["gpu-protected", "display"]),
            DeviceTreeProperty(name: "protmem,writers", strings: ["gpu-protected"]),
        ])
        let hypervisor = node("hypervisor", [
            DeviceTreeProperty(name: "compatible", strings: ["protmem,pkvm"]),
            DeviceTreeProperty(name: "#address-cells", cells: [1]), DeviceTreeProperty(name: "#size-cells", cells: [0]),
            DeviceTreeProperty(name: "protmem,heap-name", strings: ["protected,hyp-lend"]),
        ], [endpoint])
        let tree = DeviceTree(root: node("", [
            DeviceTreeProperty(name: "model", strings: ["hypervisor test board"]),
            DeviceTreeProperty(name: "#address-cells", cells: [2]), DeviceTreeProperty(name: "#size-cells", cells: [2]),
        ], [
            node("memory@40000000", [DeviceTreeProperty(name: "device_type", strings: ["memory"]),
                                     DeviceTreeProperty(name: "reg", cells: [0, 0x4000_0000, 0, 0x4000_0000])]),
            node("firmware", [], [hypervisor]),
        ]))
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-hypervisor-\(UUID().uuidString).dtb")
        try Data(FlattenedDeviceTree.serialize(tree)).write(to: url)
        return url
    }

    @Test func aHypervisorNodeGivesTheBoardAProtectedLendHeap() throws {
        let blob = try Self.hypervisorBlob()
        defer { try? FileManager.default.removeItem(at: blob) }
        let heaps = try runProtMem(["heaps", "--json", "--board", blob.path])
        #expect(heaps.status == 0, "\(heaps.stderr)")
        let rows = try JSONDecoder().decode([Report.Heap].self, from: Data(heaps.stdout.utf8))
        #expect(rows.map(\.name) == ["system", "protected,hyp-lend"])
        let lend = try #require(rows.last)
        #expect(lend.kind == "ffa-lend" && lend.protected && lend.size == 1 << 30)

        let (report, _) = try Self.report([blob.path])
        #expect(report.heaps == rows)
        #expect(report.hypervisor == Report.Hypervisor(path: "/firmware/hypervisor", heap: "protected,hyp-lend", heap_endpoint: 0x8001, endpoints: [
            .init(id: 0x8001, path: "/firmware/hypervisor/ffa-endpoint@8001", readers: ["gpu-protected", "display"], writers: ["gpu-protected"]),
        ]))
        let text = try runProtMem(["board", blob.path])
        #expect(text.status == 0, "\(text.stderr)")
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("  hypervisor /firmware/hypervisor: heap \"protected,hyp-lend\" lends to endpoint 0x8001"))
        #expect(lines.contains("    endpoint 0x8001 /firmware/hypervisor/ffa-endpoint@8001: readers gpu-protected, display; writers gpu-protected"))
    }

    @Test(.enabled(if: withData, "dtc or ../shared/data absent"))
    func theHypervisorOverlayGivesTheRock5BALendHeap() throws {
        let base = try #require(BoardBlobs.rock5b).path
        let overlay = try #require(BoardBlobs.builtBlob(BoardBlobs.hypervisorOverlay)).path
        let (report, _) = try Self.report([base, "--overlay", overlay])
        #expect(report.heaps.map(\.name) == ["system", "protected,secure-video"])
        #expect(report.heaps.last?.kind == "ffa-lend" && report.heaps.last?.protected == true)
        #expect(report.gpu?.design == "heap-name" && report.gpu?.heap == "protected,secure-video" && report.gpu?.probe == "ready")
        #expect(report.hypervisor?.path == "/firmware/hypervisor" && report.hypervisor?.heap_endpoint == 0x8001)
        #expect(report.hypervisor?.endpoints.map(\.readers) == [["gpu-protected", "codec", "display"]])
    }

    @Test(.enabled(if: BoardBlobs.rock5b != nil, "../shared/data absent"))
    func aBlobWithoutMemoryFailsWithTheReason() throws {
        let base = try #require(BoardBlobs.rock5b).path
        let result = try runProtMem(["board", base])
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("protmem: \(base): /: no memory"))
    }

    @Test func misusedOptionsAreUsageErrors() throws {
        let overlayAlone = try runProtMem(["heaps", "--overlay", "x.dtbo"])
        #expect(overlayAlone.status == 64)
        #expect(overlayAlone.stderr.contains("--overlay needs a board blob"))
        for command in ["board", "heaps"] {
            let twice = try runProtMem([command, "a.dtb", "--board", "b.dtb"])
            #expect(twice.status == 64 && twice.stderr.contains("as an argument or with --board, not both"), "\(command): \(twice.stderr)")
        }
        let missing = try runProtMem(["board", "/nonexistent/board.dtb"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/board.dtb: cannot read"))
    }
}
