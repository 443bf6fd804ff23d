import Foundation
import ProtMemBoard
import ProtMemReport
import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// `protmem compare --html`: the page's plot of reserved, peak and minimum protected memory
/// per design, its axis in bytes, and the page laid out by headless Chromium.
@Suite struct ComparisonHTMLTests {
    static func comparison(sizing: Bool = true) throws -> DesignComparison {
        var scenario = try SimulationTests.scenario("trusted-ui.yaml")
        scenario.duration = ScenarioDuration(nanoseconds: 200_000_000)
        return DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image, sizing: sizing)
    }

    @Test func thePlotHasThreeBarsADesignOnAByteAxis() throws {
        let comparison = try Self.comparison()
        let html = comparison.html
        #expect(HTMLLayout.overflows(in: html).isEmpty, "\(HTMLLayout.overflows(in: html).prefix(5))")
        let plot = try #require(HTMLLayout.plots(in: html).first { $0.id == "design-memory" })
        for bar in ["reserved", "peak", "minimum"] {
            #expect(plot.body.components(separatedBy: "<rect class=\"\(bar)\"").count - 1 == comparison.rows.count, "\(bar)")
        }
        let texts = HTMLLayout.texts(in: plot)
        #expect(texts.filter { $0.className == "design-label" }.map(\.content) == comparison.rows.map(\.design))
        #expect(texts.filter { $0.className == "legend-label" }.map(\.content) == ["reserved", "peak", "minimum (bisected)"])
        let ticks = texts.filter { $0.className == "tick" }.map(\.content)
        #expect(ticks.count >= 3 && ticks.allSatisfy { tick in ["B", "KiB", "MiB", "GiB"].contains { tick.hasSuffix(" " + $0) } }, "\(ticks)")
        // Each bar's tooltip is its number.
        let region = try #require(comparison.rows.first { $0.design == "reserved-region" })
        #expect(plot.body.contains("<title>reserved-region reserved: \(RunReport.bytesText(region.reservedProtectedBytes))</title>"))
        #expect(html.contains("<h3>reserved-region</h3>") && html.contains("gpu-memory-region"))
    }

    @Test func unsizedDesignsSayThereIsNoMinimum() throws {
        let html = try Self.comparison(sizing: false).html
        let plot = try #require(HTMLLayout.plots(in: html).first { $0.id == "design-memory" })
        #expect(!plot.body.contains("<rect class=\"minimum\"") && HTMLLayout.texts(in: plot).filter { $0.content == "no minimum" }.count == 4)
        #expect(html.contains("Not sized (<code>--no-size</code>)."))
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium"), "chromium not installed (Scripts/install-chromium.sh installs it)"))
    func thePageRendersWithItsBars() throws {
        let html = try Self.comparison().html
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-compare-html-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("compare.html"), image = directory.appendingPathComponent("compare.png")
        try html.write(to: page, atomically: true, encoding: .utf8)
        let shot = try BoardBlobs.run(URL(fileURLWithPath: "/usr/bin/chromium"), ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                                                                                 "--window-size=900,1400", "--screenshot=\(image.path)", page.absoluteString])
        #expect(shot.status == 0)
        let script = BoardBlobs.packageRoot.appendingPathComponent("Scripts/png-colors.py").path
        // The three bars' colours: reserved, peak, minimum.
        let colours = try BoardBlobs.run(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script, image.path, "4e79a7", "f28e2b", "e15759"])
        let counts = colours.stdout.split(separator: "\n").compactMap { Int($0) }
        #expect(counts.count == 3 && counts.allSatisfy { $0 > 100 }, "colours found: \(counts)")
        let problems = try HeadlessChromium.layoutProblems(of: html, width: 800, in: directory)
        #expect(problems.isEmpty, "\(problems.prefix(5))")
    }

    /// A scenario with injected faults: a group of bars a fault, a bar a design that recovered,
    /// its recovery time in the tooltip and the frames it lost beside it; Chromium lays it out
    /// without overflow.
    @Test func injectedFaultsGetARecoveryPlot() throws {
        var scenario = try SimulationTests.scenario("faults-during-playback.yaml")
        scenario.workloads.removeAll { if case .churn = $0 { true } else { false } }
        let comparison = DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image, sizing: false)
        let html = comparison.html
        #expect(HTMLLayout.overflows(in: html).isEmpty, "\(HTMLLayout.overflows(in: html).prefix(5))")
        let plot = try #require(HTMLLayout.plots(in: html).first { $0.id == "fault-recovery" })
        let texts = HTMLLayout.texts(in: plot)
        #expect(texts.filter { $0.className == "fault-label" }.map(\.content)
                == ["gpu-reset-protected at 0.300 s", "heap-exhaustion at 0.800 s", "suspend-resume at 1.400 s"])
        let recovered = comparison.rows.flatMap(\.injectedFaults).filter { $0.recovered == true }.count
        #expect(recovered > 0 && plot.body.components(separatedBy: "<rect class=\"recovery\"").count - 1 == recovered)
        #expect(texts.filter { $0.className == "frames-lost" }.count == comparison.rows.count * 3)
        let reset = try #require(comparison.rows[0].injectedFaults.first)
        #expect(plot.body.contains("<title>heap-by-name, gpu-reset-protected at 0.300 s: recovered after \(RunReport.fixed(Double(reset.recoveryTime ?? 0) / 1e9, 3)) s</title>"))
        // A scenario without injections has no such plot.
        #expect(!(try Self.comparison(sizing: false).html.contains("fault-recovery")))
    }
}
