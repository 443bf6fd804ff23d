import Foundation
import ProtMemBoard
import ProtMemReport
@testable import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// `protmem compare`'s table: a row per measure and a column per design, no line over 120
/// characters, and every word of every cell somewhere in it (long ones as numbered notes).
@Suite struct ComparisonTableTests {
    static let shipped = ["secure-playback-4k60.yaml", "secure-record-1080p30.yaml", "trusted-ui.yaml", "mixed-gpu.yaml", "churn.yaml",
                          "broken-record-into-optee-pool.yaml", "series-heap-missing-carry-on.yaml",
                          "userspace-firmware-buffer-not-protected.yaml", "render-node-client.yaml", "faults-during-playback.yaml", "multiplex.yaml"]

    /// `text` without its spaces and line breaks (which wrapping moves).
    static func flattened(_ text: String) -> String {
        text.filter { $0 != " " && $0 != "\n" }
    }

    static func expectFits(_ comparison: DesignComparison, sourceLocation: SourceLocation = #_sourceLocation) {
        let table = comparison.table
        let lines = table.split(separator: "\n", omittingEmptySubsequences: false)
        let wide = lines.filter { $0.count > DesignComparison.tableWidth }
        #expect(wide.isEmpty, "\(wide.count) lines over 120 characters, the widest \(wide.map(\.count).max() ?? 0)", sourceLocation: sourceLocation)
        #expect(lines.allSatisfy { $0.last != " " }, "trailing spaces", sourceLocation: sourceLocation)
        // Transposed: the designs head the columns, the measures label the rows.
        #expect(lines.contains { line in comparison.rows.allSatisfy { line.contains($0.design) } }, sourceLocation: sourceLocation)
        for label in ["probe", "owner of protected memory", "pool shared", "SoC code in GPU driver", "peak protected", "fragmentation",
                      "faults", "protected-mode entries", "mean enter latency", "invariant violations", "failure", "reserved protected",
                      "min protected", "region per device >=", "min per pool", "GPU ready", "probe attempts", "attacks succeeded", "injected faults"] {
            #expect(lines.contains { $0.hasPrefix(label + "  ") }, "no row \(label)", sourceLocation: sourceLocation)
        }
        // Nothing cut: every cell's text is in the table, in its cell or in a note.
        let flat = flattened(table)
        for row in comparison.rows {
            for text in [row.probe, row.owner, row.sharedWithOtherDevices, row.socSpecificCode, row.failure, row.minProtectedNote ?? "",
                         comparison.sized ? DesignComparison.poolStory(row) : ""] where !text.isEmpty {
                #expect(flat.contains(flattened(text)), "\(row.design): \(text.prefix(60)) is not in the table", sourceLocation: sourceLocation)
            }
        }
    }

    @Test(arguments: shipped)
    func everyShippedScenarioFitsIn120Columns(_ file: String) throws {
        let comparison = DesignComparison.run(try SimulationTests.scenario(file), configuration: .builtinDefault, firmware: SyntheticFirmware.image)
        Self.expectFits(comparison)
    }

    @Test func longCellsBecomeSharedNumberedNotes() throws {
        let failure = "camera: " + String(repeating: "tzc400 denied a write of 4096 bytes ", count: 8) + String(repeating: "x", count: 150)
        func row(_ design: String, failure: String) -> DesignComparison.Row {
            DesignComparison.Row(design: design, probe: "bound at once", owner: "the heap's exporter (TEE, firewall or hypervisor)",
                                 sharedWithOtherDevices: "yes, one heap", socSpecificCode: "none", peakProtectedBytes: 3 << 20, fragmentation: 0.25,
                                 faults: 2, protectedModeEntries: 60, meanEnterLatencyNanoseconds: 55_000, violations: 0, failure: failure)
        }
        let comparison = DesignComparison(scenario: "s", board: "b", probeOrder: "link-order",
                                          rows: [row("heap-by-name", failure: failure), row("reserved-region", failure: ""),
                                                 row("heap-device", failure: failure), row("userspace", failure: "short")])
        Self.expectFits(comparison)
        let lines = comparison.table.split(separator: "\n").map(String.init)
        // One note for the owner all four share, one for the failure two share.
        #expect(lines.contains("owner of protected memory  [1]            [1]              [1]            [1]"), "\(lines)")
        #expect(lines.contains("failure                    [2]            -                [2]            short"), "\(lines)")
        #expect(lines.contains("[1] the heap's exporter (TEE, firewall or hypervisor)"))
        #expect(lines.contains { $0.hasPrefix("[2] camera: tzc400 denied") } && !lines.contains { $0.hasPrefix("[3]") })
        #expect(lines.contains("mean enter latency         55.0 µs        55.0 µs          55.0 µs        55.0 µs"))
        // Not sized, no attack run, nothing injected: said so in each column, not as zeros.
        #expect(lines.contains("min protected              not sized      not sized        not sized      not sized"), "\(lines)")
        #expect(lines.contains("attacks succeeded          not run        not run          not run        not run"))
        #expect(lines.contains("injected faults            none           none             none           none"))
        #expect(lines.contains("reserved protected         0 B            0 B              0 B            0 B"))
    }

    /// The columns differ where the designs do: reserved-region's own GPU region is memory the
    /// board sets aside beside the carve-out, and the per-pool note says what each pool holds.
    @Test func theSizedRowsShowThePartitionsCost() throws {
        var scenario = try SimulationTests.scenario("secure-playback-4k60.yaml")
        scenario.duration = ScenarioDuration(nanoseconds: 200_000_000)
        let comparison = DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image)
        Self.expectFits(comparison)
        let rows = Dictionary(uniqueKeysWithValues: comparison.rows.map { ($0.design, $0) })
        let heap = try #require(rows["heap-by-name"]), region = try #require(rows["reserved-region"])
        #expect(region.reservedProtectedBytes == heap.reservedProtectedBytes + (64 << 20))
        let heapMinimum = try #require(heap.minProtectedBytes), regionMinimum = try #require(region.minProtectedBytes)
        #expect(regionMinimum >= heapMinimum)
        #expect(region.pools.contains { $0.kind == .gpuMemoryRegion && $0.devices == ["gpu"] && $0.minBytes == $0.peakBytes })
        for row in comparison.rows {
            #expect(row.attacksRun == 0 && row.attacksSucceeded == 0 && row.injectedFaults.isEmpty && row.probeAttempts >= 1)
            // The minimum is the capacity search's, made from the same run.
            var simulation = Simulation(scenario: scenario, configuration: .builtinDefault, design: Design(name: row.design)!)
            simulation.recordsTrace = false
            #expect(CapacitySearch(simulation).run().minProtectedBytes == row.minProtectedBytes, "\(row.design)")
        }
        // Wrapped into a note, as the reader sees it.
        #expect(Self.flattened(comparison.table).contains(Self.flattened("gpu-protected@a0000000 (gpu-memory-region for gpu 320.00 KiB): reserves 64.00 MiB")))
    }

    @Test func theJSONNamesTheLatencysUnit() throws {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 50_000_000)
        let comparison = DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image)
        let json = String(decoding: try JSONEncoder().encode(comparison), as: UTF8.self)
        #expect(json.contains("\"meanEnterLatencyNanoseconds\":") && !json.contains("\"meanEnterLatency\":"))
        #expect(json.contains("\"peakProtectedBytes\":"))
    }
}
