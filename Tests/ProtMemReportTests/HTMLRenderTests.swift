import Foundation
import ProtMemReport
import ProtMemTestSupport
import Testing

/// Renders the HTML report in headless Chromium (installed by Scripts/install-chromium.sh,
/// which the README's test command runs) and checks, in the PNG it draws, that every plot
/// put its colours on the page.
@Suite struct HTMLRenderTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }

    @Test(.enabled(if: chromium != nil, "chromium not installed (Scripts/install-chromium.sh installs it)"))
    func chromiumDrawsEveryPlot() throws {
        let chromium = try #require(Self.chromium)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-html-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let page = directory.appendingPathComponent("report.html")
        let image = directory.appendingPathComponent("report.png")
        try RunReportTests.sample.html.write(to: page, atomically: true, encoding: .utf8)

        let (status, _) = try run(chromium, ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=900,1400",
                                             "--screenshot=\(image.path)", page.absoluteString])
        #expect(status == 0)
        let size = (try? FileManager.default.attributesOfItem(atPath: image.path)[.size] as? Int) ?? 0
        #expect(size > 1000, "no screenshot")

        // Occupancy line, pool owner, protected-mode period, pool hole.
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Scripts/png-colors.py")
        let (_, output) = try run("/usr/bin/env", ["python3", script.path, image.path, "4e79a7", "e15759", "eeeeee"])
        let counts = output.split(separator: "\n").compactMap { Int($0) }
        #expect(counts.count == 3)
        #expect(counts.allSatisfy { $0 > 50 }, "plot colours found: \(counts)")
    }

    /// As Chromium lays the page out at the widths people use, with its own fonts: no SVG text
    /// reaches past its plot or over another text, and the page is no wider than the window.
    @Test(.enabled(if: HeadlessChromium.path != nil, "chromium not installed (Scripts/install-chromium.sh installs it)"))
    func nothingIsClippedAtCommonWidths() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-layout-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for (report, widths) in [(SVGLayoutTests.crowded, [800, 1280, 1920]), (RunReportTests.sample, [1280]), (SVGLayoutTests.empty, [1280])] {
            for width in widths {
                let problems = try HeadlessChromium.layoutProblems(of: report.html, width: width, in: directory)
                #expect(problems.isEmpty, "\(report.scenario) at \(width) px: \(problems.prefix(5))")
                // PROTMEM_SCREENSHOTS=DIR keeps the pages and what Chromium drew, to look at.
                if let keep = ProcessInfo.processInfo.environment["PROTMEM_SCREENSHOTS"] {
                    let page = URL(fileURLWithPath: keep).appendingPathComponent("\(report.scenario).html")
                    try report.html.write(to: page, atomically: true, encoding: .utf8)
                    _ = try HeadlessChromium.screenshot(page, to: page.deletingPathExtension().appendingPathExtension("\(width).png"), width: width, height: 2000)
                }
            }
        }
    }

    private func run(_ executable: String, _ arguments: [String]) throws -> (Int32, String) {
        let output = try BoardBlobs.run(URL(fileURLWithPath: executable), arguments)
        return (output.status, output.stdout)
    }
}
