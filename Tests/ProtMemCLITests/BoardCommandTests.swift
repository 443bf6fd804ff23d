import Foundation
import ProtMemTestSupport
import Testing

/// `protmem board` and `protmem heaps --board/--overlay`, run as the built binary.
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
        let name: String
        let heaps: [Heap]
        let gpu: GPU?
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
        let twice = try runProtMem(["board", "a.dtb", "--board", "b.dtb"])
        #expect(twice.status == 64)
        let missing = try runProtMem(["board", "/nonexistent/board.dtb"])
        #expect(missing.status == 1 && missing.stderr.contains("/nonexistent/board.dtb: cannot read"))
    }
}
