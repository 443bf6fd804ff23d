import Foundation
import ProtMemBoard
import ProtMemReport
import ProtMemSimulation
import ProtMemTestSupport
import Testing

@Suite struct SimulationTests {
    static let examples = BoardBlobs.packageRoot.appendingPathComponent("Examples/scenarios")

    static func scenario(_ file: String) throws -> Scenario {
        try Scenario.load(path: examples.appendingPathComponent(file).path)
    }

    static func json(_ report: RunReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    @Test func oneSeedOneResultByteForByte() throws {
        var scenario = try Self.scenario("churn.yaml")
        scenario.duration = ScenarioDuration(nanoseconds: 300_000_000)
        let first = try Simulation(scenario: scenario, configuration: .builtinDefault).run()
        let second = try Simulation(scenario: scenario, configuration: .builtinDefault).run()
        #expect(try Self.json(first.report) == Self.json(second.report))
        #expect(TraceWriter().json(first.trace) == TraceWriter().json(second.trace))
        let other = try Simulation(scenario: scenario, configuration: .builtinDefault, seed: scenario.seed + 1).run()
        #expect(try Self.json(other.report) != Self.json(first.report))
        #expect(TraceWriter().json(other.trace) != TraceWriter().json(first.trace))
    }

    /// Every shipped scenario but the broken one runs clean, with the invariant checker run
    /// after every event.
    @Test(arguments: ["secure-playback-4k60.yaml", "secure-record-1080p30.yaml", "trusted-ui.yaml", "mixed-gpu.yaml", "churn.yaml",
                      "render-node-client.yaml"])
    func shippedScenariosRunClean(_ file: String) throws {
        var simulation = Simulation(scenario: try Self.scenario(file), configuration: .builtinDefault)
        simulation.checkEveryEvent = true
        let report = try simulation.run().report
        #expect(report.violations.isEmpty, "\(report.violations)")
        #expect(report.faults.isEmpty, "\(report.faults.prefix(3))")
        #expect(report.devices.contains { $0.work > 0 })
    }

    @Test func everyExampleIsCovered() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.examples.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count == 12)
        for file in files { _ = try Self.scenario(file) }
    }

    @Test func aBrokenDesignReportsItsFaults() throws {
        let report = try Simulation(scenario: try Self.scenario("broken-record-into-optee-pool.yaml"), configuration: .builtinDefault).run().report
        let camera = try #require(report.devices.first { $0.name == "camera" })
        #expect(camera.faults > 0 && camera.work == 0)
        #expect(report.faults.contains { $0.contains("camera") && $0.contains("tzc400") })
    }

    /// The leak scenario: the encoder writes a protected frame's bitstream into the system
    /// heap, which the firewall lets through and the checker catches, once, however often it
    /// checks; the same pipeline with its bitstream in the carve-out is clean.
    @Test func aBitstreamInTheSystemHeapIsOneLeakReportedOnce() throws {
        let scenario = try Self.scenario("leak-bitstream-into-system-heap.yaml")
        for everyEvent in [false, true] {
            var simulation = Simulation(scenario: scenario, configuration: .builtinDefault)
            simulation.checkEveryEvent = everyEvent
            let report = try simulation.run().report
            #expect(report.violations.count == 1, "\(report.violations)")
            #expect(report.violations.first?.hasPrefix("leak: codec (non-secure, nsaid 3) wrote protected content #1 into unprotected memory") == true)
            #expect(report.faultCount == 0)
            #expect(report.expectation?.violationsMet == false && report.expectation?.faultsMet == true)
            #expect(report.textSummary.components(separatedBy: "wrote protected content").count == 2, "listed once")
        }
        var fixed = scenario
        guard case .secureRecord(var stream) = fixed.workloads[0] else { Issue.record("not secure record"); return }
        stream.bitstreamHeap = "protected-carveout"
        fixed.workloads[0] = .secureRecord(stream)
        let clean = try Simulation(scenario: fixed, configuration: .builtinDefault).run().report
        #expect(clean.violations.isEmpty && clean.faultCount == 0 && clean.expectation?.met == true)
        #expect(clean.devices.first { $0.name == "codec" }?.work == 1)
    }

    @Test func playbackEntersProtectedModeEveryFrameAndTheTraceIsValid() throws {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 250_000_000)
        let result = try Simulation(scenario: scenario, configuration: .builtinDefault).run()
        let report = result.report
        #expect(report.protectedMode.entries == 15 && report.protectedMode.exits == 15)
        #expect(report.protectedIntervals.count == 15)
        // Four NV12 frames, two ARGB framebuffers, the firmware's 256 KiB protected section and
        // the group's 64 KiB protected suspend buffer.
        let expectedPeak: UInt64 = 4 * 12_443_648 + 2 * 33_177_600 + 0x40000 + 0x10000
        let peak = report.heaps.first { $0.name == "protected-carveout" }?.peakBytes
        #expect(peak == expectedPeak)
        let json = TraceWriter().json(result.trace)
        let validation = TraceValidation(json: json)
        #expect(validation.isValid, "\(validation.problems.prefix(5))")
        #expect(json.contains("\"ph\":\"b\"") && json.contains("\"ph\":\"C\"") && json.contains("protected mode"))
        #expect(report.poolMap.contains { $0.owner == "decoded-0" } && report.poolMap.contains { $0.owner == nil })
    }

    @Test func everyDesignServesTheSamePlayback() throws {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 100_000_000)
        let comparison = DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image)
        #expect(comparison.rows.map(\.design) == ["heap-by-name", "reserved-region", "heap-device", "userspace-import"])
        for row in comparison.rows {
            #expect(row.failure.isEmpty, "\(row.design): \(row.failure)")
            #expect(row.protectedModeEntries == 6, "\(row.design)")
        }
        #expect(comparison.table.contains("reserved-region"))
    }

    /// A run builds its own board and must let all of it go: each board reserves its DRAM
    /// (2 GiB on the built-in one), so a cycle through it would leak that on every run.
    @Test(arguments: Design.allCases)
    func aRunLetsGoOfItsBoard(_ design: Design) throws {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 50_000_000)
        var watch = BoardReleaseWatch()
        let simulation = Simulation(scenario: scenario, configuration: .builtinDefault, design: design)
        let result = try simulation.run(progress: nil) { watch.watch($0) }
        #expect(result.report.violations.isEmpty, "\(result.report.violations)")
        _ = consume result
        watch.expectReleased()
    }

    @Test func aBoardWithoutAGPUIsAClearError() throws {
        var configuration = BoardConfiguration.builtinDefault
        configuration.gpu = nil
        #expect(throws: SimulationError.self) { try Simulation(scenario: .builtin, configuration: configuration).run() }
    }
}
