import Foundation
import Testing

/// `protmem compare --json`: every design's row has every key the design lab reads, in a
/// stable order, the same bytes every time.
@Suite struct CompareCommandTests {
    static let keys = ["attacks_run", "attacks_succeeded", "attacks_through", "design", "failure", "faults", "fragmentation", "gpu_ready_ns", "injected_faults",
                       "mean_enter_latency_nanoseconds", "min_protected_bytes", "min_protected_note", "owner", "peak_protected_bytes",
                       "per_device_regions_at_least_bytes", "pools",
                       "probe", "probe_attempts", "protected_mode_entries", "reserved_protected_bytes", "shared_with_other_devices",
                       "soc_specific_code", "violations"]

    static func rows(_ arguments: [String]) throws -> (text: String, rows: [[String: Any]]) {
        let result = try runProtMem(["compare", "--json"] + arguments)
        #expect(result.status == 0, "\(result.stderr)")
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        return (result.stdout, try #require(object["rows"] as? [[String: Any]]))
    }

    @Test func everyRowHasEveryKey() throws {
        let trustedUI = SizeCommandTests.scenarios.appendingPathComponent("trusted-ui.yaml").path
        let (text, rows) = try Self.rows(["--scenario", trustedUI])
        #expect(rows.map { $0["design"] as? String } == ["heap-by-name", "reserved-region", "heap-device", "userspace-import"])
        for row in rows {
            #expect(row.keys.sorted() == Self.keys, "\(row.keys.sorted())")
            #expect(row["min_protected_bytes"] as? UInt64 != nil && (row["injected_faults"] as? [Any])?.isEmpty == true)
        }
        // The design attacks: the pool the GPU shares with the camera and the codec lets them at
        // its protected state; its own reserved region does not; Chia-I Wu's case applies
        // only where userspace hands the firmware's sections in.
        let run = rows.map { $0["attacks_run"] as? Int ?? -1 }, succeeded = rows.map { $0["attacks_succeeded"] as? Int ?? -1 }
        #expect(run == [3, 3, 3, 4] && succeeded == [2, 0, 2, 2], "\(run) \(succeeded)")
        #expect((rows[0]["attacks_through"] as? [String]) == ["dma-master-writes-gpu-suspend-buffer", "dma-master-reads-gpu-firmware-protected-section"])
        #expect(text.contains("\"attacks_note\" : \"the design attacks (DesignAttacks: "))
        #expect(try runProtMem(["compare", "--json", "--scenario", trustedUI]).stdout == text, "not deterministic")
        let reserved = rows.map { $0["reserved_protected_bytes"] as? UInt64 ?? 0 }
        #expect(reserved[1] == reserved[0] + (64 << 20), "the GPU's own region is reserved beside the carve-out: \(reserved)")
    }

    @Test func noSizeLeavesTheMinimumNull() throws {
        let (_, rows) = try Self.rows(["--no-size", "--seed", "7"])
        for row in rows {
            #expect(row.keys.sorted() == Self.keys)
            #expect(row["min_protected_bytes"] is NSNull && (row["pools"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func theSharedLayoutDropsTheGPUsOwnRegion() throws {
        let (_, perDevice) = try Self.rows(["--no-size"])
        let (_, shared) = try Self.rows(["--no-size", "--reserved-regions", "shared"])
        #expect((perDevice[1]["reserved_protected_bytes"] as? UInt64 ?? 0) == (shared[1]["reserved_protected_bytes"] as? UInt64 ?? 0) + (64 << 20))
        let bad = try runProtMem(["compare", "--reserved-regions", "both"])
        #expect(bad.status != 0 && bad.stderr.contains("unknown layout \"both\""))
    }
}

/// `--seeds` and `--json-lines`: a sweep made in one command is the lines a batch engine's
/// jobs make, one `--seed` each.
@Suite struct CompareSweepCommandTests {
    @Test func jsonLinesOfASweepAreEachSeedsLines() throws {
        let trustedUI = SizeCommandTests.scenarios.appendingPathComponent("trusted-ui.yaml").path
        let sweep = try runProtMem(["compare", "--scenario", trustedUI, "--no-size", "--seeds", "3...4", "--json-lines"])
        #expect(sweep.status == 0, "\(sweep.stderr)")
        let lines = sweep.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 8)
        var jobs: [String] = []
        for seed in ["3", "4"] {
            let job = try runProtMem(["compare", "--scenario", trustedUI, "--no-size", "--seed", seed, "--json-lines"])
            jobs += job.stdout.split(separator: "\n").map(String.init)
        }
        #expect(jobs == lines)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object.keys.sorted() == ["board", "reserved_regions", "row", "scenario", "seed"])
            #expect((object["row"] as? [String: Any])?.keys.sorted() == CompareCommandTests.keys)
        }
    }

    @Test func theSweepTableGivesMeanMinAndMax() throws {
        let result = try runProtMem(["compare", "--no-size", "--seeds", "2"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "scenario builtin-secure-playback-4k60 on protmem-default, 2 seeds 1…2, reserved regions per-device, not sized")
        for statistic in ["mean", "min", "max"] { #expect(lines.contains { $0.hasPrefix("peak protected bytes \(statistic) ") }) }
        #expect(lines.last?.hasPrefix("runs ") == true && lines.allSatisfy { $0.count <= 120 })
    }

    @Test func aSeedAndASweepAreRefusedTogether() throws {
        let both = try runProtMem(["compare", "--seed", "1", "--seeds", "2"])
        #expect(both.status != 0 && both.stderr.contains("--seed and --seeds"), "\(both.stderr)")
        let bad = try runProtMem(["compare", "--seeds", "5...1"])
        #expect(bad.status != 0 && bad.stderr.contains("--seeds \"5...1\": the range is empty (5 > 1)"), "\(bad.stderr)")
    }

    /// `--board builtin:optee-dynamic`: OP-TEE's dynamic pool reserves nothing while idle, and
    /// the row says so beside the carve-out's whole reservation.
    @Test func theDynamicPoolReservesNothingWhileIdle() throws {
        let trustedUI = SizeCommandTests.scenarios.appendingPathComponent("trusted-ui.yaml").path
        let (text, rows) = try CompareCommandTests.rows(["--scenario", trustedUI, "--board", "builtin:optee-dynamic"])
        #expect(text.contains("\"board\" : \"protmem-optee-dynamic\""))
        let pools = try #require(rows.first?["pools"] as? [[String: Any]])
        let dynamic = try #require(pools.first { $0["kind"] as? String == "optee-dynamic-pool" })
        #expect(dynamic["reserved_bytes"] as? UInt64 == 0)
        #expect((dynamic["note"] as? String)?.contains("reserves nothing while idle") == true)
        #expect(rows.first?["reserved_protected_bytes"] as? UInt64 == 128 << 20, "the carve-out alone")
        let unknown = try runProtMem(["compare", "--scenario", trustedUI, "--board", "builtin:nope"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown built-in board \"builtin:nope\"; expected one of builtin:optee-dynamic, builtin:mediatek, builtin:hypervisor"))
    }
}
