import Foundation
import ProtMemReport
import ProtMemTestSupport
import Testing

/// The HTML report's plots, read as text: each has its legend and its axes with units, says so
/// when it has nothing to draw, and keeps all its text inside its SVG.
@Suite struct SVGLayoutTests {
    /// A run with more than fits on a line anywhere: long heap and owner names, forty holders
    /// in a small pool, hundreds of protected-mode periods in 3 ms.
    static var crowded: RunReport {
        var report = RunReport(scenario: "crowded", board: "protmem-default", design: "heap-device", seed: 3, duration: 3_000_000)
        for index in 0..<6 {
            let name = "protected,secure-video-heap-with-a-long-name-\(index)"
            report.heaps.append(RunReport.Heap(name: name, kind: "carveout", protected: true, size: 512 << 10, peakBytes: UInt64(index + 1) << 16,
                                               atEndBytes: 0, afterTeardownBytes: 0, allocations: 40, failures: 0, fragmentation: 0.5))
            report.occupancy[name] = (0..<50).map { RunReport.Sample(time: UInt64($0) * 60_000, bytes: UInt64((($0 + index) * 3) % 8) << 16) }
        }
        report.poolName = report.heaps[0].name
        report.poolSize = 512 << 10
        report.poolMap = (0..<40).map { index in
            RunReport.PoolSegment(offset: UInt64(index) * 12 << 10, size: 8 << 10,
                                  owner: index % 5 == 4 ? nil : "WWWWWW-decoder-output-buffer-number-\(index) (ino \(1000 + index))")
        }
        report.protectedIntervals = (0..<300).map { RunReport.Interval(start: UInt64($0) * 10_000, end: UInt64($0) * 10_000 + 4_000) }
        report.protectedMode.entries = 300
        report.protectedMode.exits = 300
        report.protectedMode.timeInside = 1_200_000
        return report
    }

    /// A run that drew nothing: no heap in use, no pool, never in protected mode.
    static var empty: RunReport {
        var report = RunReport(scenario: "empty", board: "protmem-default", design: "heap-by-name", seed: 1, duration: 500_000_000)
        report.heaps = [RunReport.Heap(name: "system", kind: "system", protected: false, size: 1 << 30, peakBytes: 0, atEndBytes: 0, afterTeardownBytes: 0,
                                       allocations: 0, failures: 0, fragmentation: 0)]
        return report
    }

    static let reports = [RunReportTests.sample, crowded, empty]

    static func plot(_ id: String, of report: RunReport) throws -> HTMLLayout.Plot {
        try #require(HTMLLayout.plots(in: report.html).first { $0.id == id })
    }

    static func labels(_ plot: HTMLLayout.Plot, class className: String, anchor: String? = nil) -> [String] {
        HTMLLayout.texts(in: plot).filter { $0.className == className && (anchor == nil || $0.anchor == anchor) }.map(\.content)
    }

    /// A number, a space and one of `units` ("1.5 s", "16 MiB").
    static func labelled(_ label: String, in units: [String]) -> Bool {
        let parts = label.split(separator: " ")
        return parts.count == 2 && Double(parts[0]) != nil && units.contains(String(parts[1]))
    }

    static let timeUnits = ["ns", "µs", "ms", "s"], byteUnits = ["B", "KiB", "MiB", "GiB"]

    @Test(arguments: 0..<reports.count)
    func everyTextStaysInsideItsPlot(_ index: Int) throws {
        let html = Self.reports[index].html
        #expect(HTMLLayout.plots(in: html).map(\.id) == ["occupancy", "pool-map", "protected-mode"])
        let overflows = HTMLLayout.overflows(in: html)
        #expect(overflows.isEmpty, "\(overflows.prefix(5))")
    }

    @Test func occupancyHasALegendEntryPerLineAndAxesWithUnits() throws {
        let plot = try Self.plot("occupancy", of: RunReportTests.sample)
        #expect(plot.body.components(separatedBy: "class=\"series\"").count - 1 == 1)
        #expect(Self.labels(plot, class: "legend-label") == ["protected,secure-video (64.00 MiB)"])
        // 2 s in steps of 0.5 s; the heap peaks at 75%, so the axis ends at 80%.
        #expect(Self.labels(plot, class: "tick", anchor: "middle") == ["0.0 s", "0.5 s", "1.0 s", "1.5 s", "2.0 s"])
        #expect(Self.labels(plot, class: "tick", anchor: "end") == ["0%", "20%", "40%", "60%", "80%"])
        #expect(Self.labels(plot, class: "axis-title") == ["bytes in use, % of each heap's size", "simulated time"])

        let crowded = try Self.plot("occupancy", of: Self.crowded)
        let lines = crowded.body.components(separatedBy: "class=\"series\"").count - 1
        #expect(lines == 6)
        #expect(Self.labels(crowded, class: "legend-label").count == lines)
        let ticks = Self.labels(crowded, class: "tick", anchor: "middle")
        #expect(ticks.first == "0.0 ms" && ticks.last == "3.0 ms", "\(ticks)")
        #expect(ticks.allSatisfy { Self.labelled($0, in: Self.timeUnits) }, "\(ticks)")
        #expect(Self.labels(crowded, class: "tick", anchor: "end").allSatisfy { $0.hasSuffix("%") && Double($0.dropLast()) != nil })
    }

    @Test func poolMapHasAnOffsetAxisAndALegendThatWraps() throws {
        let plot = try Self.plot("pool-map", of: RunReportTests.sample)
        #expect(Self.labels(plot, class: "tick") == ["0 MiB", "10 MiB", "20 MiB", "30 MiB", "40 MiB", "50 MiB", "60 MiB"])
        #expect(Self.labels(plot, class: "legend-label") == ["codec (8.00 MiB)", "free"])

        let crowded = try Self.plot("pool-map", of: Self.crowded)
        let ticks = Self.labels(crowded, class: "tick")
        #expect(ticks.last == "500 KiB" && ticks.allSatisfy { Self.labelled($0, in: Self.byteUnits) }, "\(ticks)")
        // 32 holders and the holes: one entry each, on rows below one another.
        #expect(Self.labels(crowded, class: "legend-label").count == 33)
        let rows = Set(HTMLLayout.texts(in: crowded).filter { $0.className == "legend-label" }.map(\.y))
        #expect(rows.count > 5)
    }

    @Test func protectedModeStripHasATimeAxisAndALegend() throws {
        let plot = try Self.plot("protected-mode", of: RunReportTests.sample)
        #expect(Self.labels(plot, class: "tick") == ["0.0 s", "0.2 s", "0.4 s", "0.6 s", "0.8 s", "1.0 s", "1.2 s", "1.4 s", "1.6 s", "1.8 s", "2.0 s"])
        #expect(Self.labels(plot, class: "legend-label") == ["protected mode", "normal mode"])
        #expect(Self.labels(plot, class: "axis-title") == ["simulated time: 1 protected-mode period, 0.400 s inside"])
        #expect(plot.body.components(separatedBy: "class=\"protected\"").count - 1 == 1)
    }

    @Test func emptyPlotsSaySo() throws {
        let report = Self.empty
        #expect(Self.labels(try Self.plot("occupancy", of: report), class: "empty") == ["no allocations in this run"])
        #expect(Self.labels(try Self.plot("pool-map", of: report), class: "empty") == ["no protected pool in this run"])
        #expect(Self.labels(try Self.plot("protected-mode", of: report), class: "empty") == ["the GPU never entered protected mode"])
        #expect(Self.labels(try Self.plot("occupancy", of: report), class: "note") == ["not drawn (nothing in use sampled): system"])
        #expect(Self.labels(try Self.plot("occupancy", of: report), class: "tick", anchor: "end").last == "100%")

        // Allocations counted but never sampled: not "no allocations".
        var unsampled = report
        unsampled.heaps[0].allocations = 4
        #expect(Self.labels(try Self.plot("occupancy", of: unsampled), class: "empty") == ["no heap occupancy was sampled in this run"])
        // A pool with nothing in it.
        unsampled.poolSize = 1 << 20
        unsampled.poolMap = [RunReport.PoolSegment(offset: 0, size: 1 << 20, owner: nil)]
        #expect(Self.labels(try Self.plot("pool-map", of: unsampled), class: "empty") == ["no buffers held in the pool"])
        // Plots with something in them say nothing of the kind.
        #expect(!RunReportTests.sample.html.contains("class=\"empty\""))
    }
}
