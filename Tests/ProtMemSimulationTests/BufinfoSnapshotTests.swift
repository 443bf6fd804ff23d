import ProtMemBoard
import ProtMemSimulation
import Testing

/// `bufinfo` taken during a run is the kernel's `dma_buf_debug_show` text for the buffers
/// live at that virtual time.
@Suite struct BufinfoSnapshotTests {
    static func scenario() throws -> Scenario {
        var scenario = try SimulationTests.scenario("churn.yaml")
        scenario.duration = ScenarioDuration(nanoseconds: 100_000_000)
        return scenario
    }

    /// Checks `text` line by line against the kernel's formats (mainline
    /// `drivers/dma-buf/dma-buf.c`; the model has no fences, so `dma_resv_describe` prints
    /// nothing) and returns the buffers' names.
    static func names(in text: String, sourceLocation: SourceLocation = #_sourceLocation) -> [String] {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(Array(lines.prefix(3)) == ["", "Dma-buf Objects:", "size    \tflags   \tmode    \tcount   \texp_name\tino     \tname"], sourceLocation: sourceLocation)
        lines.removeFirst(3)
        let object = /^([0-9]{8})\t[0-9a-f]{8}\t[0-9a-f]{8}\t[0-9]{8}\t[^\t]+\t[0-9]{8}\t([^\t]+)$/
        let total = /^Total ([0-9]+) devices attached$/
        var names: [String] = [], bytes = 0
        while let first = lines.first, let match = first.wholeMatch(of: object) {
            names.append(String(match.2))
            bytes += Int(match.1)!
            #expect(lines[1] == "\tAttached Devices:", sourceLocation: sourceLocation)
            var devices = 0
            while lines[2 + devices].hasPrefix("\t") { devices += 1 }
            #expect(lines[2 + devices].wholeMatch(of: total).map { Int($0.1)! } == devices, sourceLocation: sourceLocation)
            #expect(lines[3 + devices] == "", sourceLocation: sourceLocation)
            lines.removeFirst(4 + devices)
        }
        #expect(lines == ["", "Total \(names.count) objects, \(bytes) bytes", ""], sourceLocation: sourceLocation)
        return names
    }

    @Test func snapshotsShowTheBuffersLiveAtTheirTime() throws {
        var simulation = Simulation(scenario: try Self.scenario(), configuration: .builtinDefault)
        simulation.bufinfoTimes = [ScenarioDuration(nanoseconds: 50_000_000), ScenarioDuration(nanoseconds: 0), ScenarioDuration(nanoseconds: 1_000_000_000)]
        let result = try simulation.run()
        #expect(result.bufinfo.map(\.time) == [0, 50_000_000, 100_000_000], "in time order; a time past the end is the end")
        let atStart = Self.names(in: result.bufinfo[0].text), during = Self.names(in: result.bufinfo[1].text)
        // The churn's buffers are unnamed (no DMA_BUF_SET_NAME), as are the GPU's own; the
        // playback's are named.
        let unnamed = { (names: [String]) in names.filter { $0 == "<none>" }.count }
        #expect(atStart.contains("decoded-0") && during.contains("decoded-0"), "\(atStart), \(during)")
        #expect(unnamed(during) > unnamed(atStart), "the churn holds buffers at 50 ms and none at 0: \(atStart), \(during)")
        _ = Self.names(in: result.bufinfo[2].text)
        // A snapshot is taken, not made: the report is the same with or without them.
        let plain = try Simulation(scenario: try Self.scenario(), configuration: .builtinDefault).run()
        #expect(plain.report == result.report && plain.bufinfo.isEmpty)
    }
}
