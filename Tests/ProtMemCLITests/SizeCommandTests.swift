import Foundation
import Testing

/// `protmem size`: the bisection's result as text and JSON, and its argument checks.
@Suite struct SizeCommandTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Examples/scenarios")

    struct Output: Decodable {
        struct Pool: Decodable {
            let name: String
            let kind: String
            let reserved_bytes: UInt64
            let peak_bytes: UInt64
            let min_bytes: UInt64?
        }
        let clean: Bool
        let pools: [Pool]
        let reserved_protected_bytes: UInt64
        let min_protected_bytes: UInt64?
    }

    @Test func jsonGivesEachPoolsMinimumAndTheirSum() throws {
        let churn = Self.scenarios.appendingPathComponent("churn.yaml").path
        let result = try runProtMem(["size", "--scenario", churn, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let output = try JSONDecoder().decode(Output.self, from: Data(result.stdout.utf8))
        #expect(output.clean && output.reserved_protected_bytes == 192 << 20)
        let carveout = try #require(output.pools.first { $0.name == "protected-carveout" })
        #expect(carveout.kind == "carveout" && carveout.min_bytes! > carveout.peak_bytes)
        #expect(output.min_protected_bytes == output.pools.reduce(0) { $0 + ($1.min_bytes ?? 0) })
        #expect(try runProtMem(["size", "--scenario", churn, "--json"]).stdout == result.stdout, "not deterministic")
    }

    @Test func thePerDeviceReservedRegionsGetARowEach() throws {
        let playback = Self.scenarios.appendingPathComponent("secure-playback-4k60.yaml").path
        let result = try runProtMem(["size", "--scenario", playback, "--design", "reserved-region", "--reserved-regions", "per-device"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("gpu-protected@") && $0.contains("gpu-memory-region") && $0.hasSuffix("gpu") })
        // The GPU's own buffers are in its region; the carve-out holds the codec's and the display's.
        #expect(lines.contains { $0.hasPrefix("protected-carveout ") && $0.hasSuffix("codec, display") })
        #expect(lines.contains { $0.hasPrefix("protected-carveout: each device's peak: codec ") })
        #expect(lines.contains { $0.hasPrefix("total ") })
        #expect(lines.contains { $0.hasPrefix("protected-carveout: at ") && $0.contains("(one page less) the first failure") })
    }

    @Test func aSweepIsEachSeedsSearch() throws {
        let trustedUI = Self.scenarios.appendingPathComponent("trusted-ui.yaml").path
        let sweep = try runProtMem(["size", "--scenario", trustedUI, "--seeds", "3...4", "--json-lines"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        var jobs: [String] = []
        for seed in ["3", "4"] { jobs += try runProtMem(["size", "--scenario", trustedUI, "--seed", seed, "--json-lines"]).stdout.split(separator: "\n").map(String.init) }
        #expect(sweep.stdout.split(separator: "\n").map(String.init) == jobs && jobs.count == 2)
        let text = try runProtMem(["size", "--scenario", trustedUI, "--seeds", "2"])
        let lines = text.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("SEED  RESERVED") } && lines.contains { $0.hasPrefix("3 ") } && lines.contains { $0.hasPrefix("4 ") })
        #expect(lines.contains { $0.hasPrefix("min protected over 2 of 2 seeds: mean ") }, "\(lines)")
    }

    @Test func aBadLayoutIsRefusedByName() throws {
        let result = try runProtMem(["size", "--reserved-regions", "split"])
        #expect(result.status != 0 && result.stderr.contains("--reserved-regions: unknown layout \"split\"; expected per-device or shared"), "\(result.stderr)")
    }
}
