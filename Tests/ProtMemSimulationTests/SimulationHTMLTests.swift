import Foundation
import ProtMemBoard
import ProtMemReport
import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// A real run's HTML report, rendered by headless Chromium: the page loads and each plot
/// draws (occupancy line, the pool's buffers and holes, the protected-mode periods).
@Suite struct SimulationHTMLTests {
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium not installed (Scripts/install-chromium.sh installs it)"))
    func aRunsReportRendersWithItsPlots() throws {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 500_000_000)
        let report = try Simulation(scenario: scenario, configuration: .builtinDefault).run().report
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-sim-html-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("run.html"), image = directory.appendingPathComponent("run.png")
        try report.html.write(to: page, atomically: true, encoding: .utf8)
        #expect(try run("/usr/bin/chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,1400",
                                               "--screenshot=\(image.path)", page.absoluteString]).0 == 0)
        let script = BoardBlobs.packageRoot.appendingPathComponent("Scripts/png-colors.py").path
        // #e15759: the first heap line's colour when it is drawn, the pool's first buffer, and the
        // protected-mode periods; #eeeeee: the pool's free hole.
        let (_, output) = try run("/usr/bin/env", ["python3", script, image.path, "e15759", "eeeeee"])
        let counts = output.split(separator: "\n").compactMap { Int($0) }
        #expect(counts.count == 2 && counts.allSatisfy { $0 > 100 }, "colours found: \(counts)")
        // Laid out in a narrow window, nothing is clipped and the page does not scroll sideways.
        let problems = try HeadlessChromium.layoutProblems(of: report.html, width: 800, in: directory)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    /// Every shipped scenario's report: all text inside its plot, a legend entry for each
    /// line drawn, and tick labels with units.
    @Test(arguments: ["secure-playback-4k60.yaml", "secure-record-1080p30.yaml", "trusted-ui.yaml", "mixed-gpu.yaml", "churn.yaml",
                      "broken-record-into-optee-pool.yaml"])
    func shippedScenariosPlotsKeepTheirText(_ file: String) throws {
        let html = try Simulation(scenario: try SimulationTests.scenario(file), configuration: .builtinDefault).run().report.html
        #expect(HTMLLayout.overflows(in: html).isEmpty, "\(HTMLLayout.overflows(in: html).prefix(5))")
        let plots = Dictionary(uniqueKeysWithValues: HTMLLayout.plots(in: html).map { ($0.id, $0) })
        let occupancy = try #require(plots["occupancy"])
        let texts = HTMLLayout.texts(in: occupancy)
        let lines = occupancy.body.components(separatedBy: "class=\"series\"").count - 1
        #expect(texts.filter { $0.className == "legend-label" }.count == lines)
        #expect(lines > 0 || texts.contains { $0.className == "empty" })
        for (id, units) in [("occupancy", ["ns", "µs", "ms", "s", "%"]), ("pool-map", ["B", "KiB", "MiB", "GiB"]), ("protected-mode", ["ns", "µs", "ms", "s"])] {
            let ticks = HTMLLayout.texts(in: try #require(plots[id])).filter { $0.className == "tick" }.map(\.content)
            #expect(ticks.count >= 3 || plots[id]!.body.contains("class=\"empty\""), "\(id): \(ticks)")
            #expect(ticks.allSatisfy { tick in units.contains { tick.hasSuffix($0) } }, "\(id): \(ticks)")
        }
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let output = try BoardBlobs.run(URL(fileURLWithPath: executable), arguments)
        return (output.status, output.stdout)
    }
}
