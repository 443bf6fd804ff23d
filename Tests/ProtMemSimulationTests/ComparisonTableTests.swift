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
                          "userspace-firmware-buffer-not-protected.yaml", "render-node-client.yaml", "faults-during-playback.yaml"]

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
                      "faults", "protected-mode entries", "mean enter latency", "invariant violations", "failure"] {
            #expect(lines.contains { $0.hasPrefix(label + "  ") }, "no row \(label)", sourceLocation: sourceLocation)
        }
        // Nothing cut: every cell's text is in the table, in its cell or in a note.
        let flat = flattened(table)
        for row in comparison.rows {
            for text in [row.probe, row.owner, row.sharedWithOtherDevices, row.socSpecificCode, row.failure] where !text.isEmpty {
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
