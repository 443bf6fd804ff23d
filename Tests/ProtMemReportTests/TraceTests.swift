@testable import ProtMemReport
import Testing

@Suite struct TraceTests {
    let events: [TraceEvent] = [
        .processName("codec", pid: 1),
        .threadName("decode", pid: 1, tid: 2),
        TraceEvent(name: "buffer", category: "dma-buf", phase: .asyncBegin, timestamp: 1_500, pid: 1, id: 7, args: [("heap", .string("protected,secure-video"))]),
        TraceEvent(name: "decode", category: "codec", phase: .complete, timestamp: 2_000, duration: 16_666_667, pid: 1, tid: 2),
        TraceEvent(name: "protected,secure-video", category: "heap", phase: .counter, timestamp: 2_001, pid: 0, args: [("bytes", .unsigned(4096))]),
        TraceEvent(name: "fault \"x\"\n", category: "fault", phase: .instant, timestamp: 3_000, pid: 1),
        TraceEvent(name: "buffer", category: "dma-buf", phase: .asyncEnd, timestamp: 20_000_000, pid: 1, id: 7),
    ]

    @Test func writesExactJSONThatValidates() {
        let json = TraceWriter().json(events)
        #expect(json == TraceWriter().json(events))
        #expect(json.hasPrefix("{\"traceEvents\":[\n"))
        #expect(json.hasSuffix("],\"displayTimeUnit\":\"ns\"}\n"))
        #expect(json.contains("\"ts\":1.500"))
        #expect(json.contains("\"dur\":16666.667"))
        #expect(json.contains("\"id\":\"0x7\""))
        #expect(json.contains("\"name\":\"fault \\\"x\\\"\\n\""))
        let validation = TraceValidation(json: json)
        #expect(validation.isValid, "\(validation.problems)")
    }

    @Test func validationFindsUnpairedSlicesAndNegativeCounters() {
        var broken = events
        broken.removeLast()
        broken.append(TraceEvent(name: "other", category: "dma-buf", phase: .asyncEnd, timestamp: 5, pid: 1, id: 9))
        broken.append(TraceEvent(name: "heap", category: "heap", phase: .counter, timestamp: 6, pid: 0, args: [("bytes", .int(-1))]))
        let problems = TraceValidation(json: TraceWriter().json(broken)).problems
        #expect(problems.contains { $0.contains("end without begin") })
        #expect(problems.contains { $0.contains("never ends") })
        #expect(problems.contains { $0.contains("negative") })
        #expect(!TraceValidation(json: "{]").isValid)
    }
}

@Suite struct RunReportTests {
    static var sample: RunReport {
        var report = RunReport(scenario: "secure-playback", board: "protmem-default", design: "heap-by-name", seed: 1, duration: 2_000_000_000)
        report.heaps = [RunReport.Heap(name: "protected,secure-video", kind: "optee-static", protected: true, size: 64 << 20,
                                       peakBytes: 48 << 20, atEndBytes: 0, afterTeardownBytes: 0, allocations: 12, failures: 0, fragmentation: 0.25)]
        report.devices = [RunReport.Device(name: "codec", work: 120, faults: 0)]
        report.occupancy["protected,secure-video"] = [RunReport.Sample(time: 0, bytes: 0), RunReport.Sample(time: 1_000_000_000, bytes: 48 << 20)]
        report.poolName = "protected,secure-video"
        report.poolSize = 64 << 20
        report.poolMap = [RunReport.PoolSegment(offset: 0, size: 8 << 20, owner: "codec"), RunReport.PoolSegment(offset: 8 << 20, size: 56 << 20, owner: nil)]
        report.protectedIntervals = [RunReport.Interval(start: 200_000_000, end: 600_000_000)]
        report.protectedMode.entries = 1
        report.protectedMode.exits = 1
        report.protectedMode.timeInside = 400_000_000
        return report
    }

    @Test func summaryAndHTMLCarryTheRun() {
        let report = Self.sample
        let text = report.textSummary
        #expect(text.contains("scenario secure-playback on protmem-default, design heap-by-name, seed 1, 2.000 s simulated"))
        #expect(text.contains("48.00 MiB"))
        #expect(text.contains("25.0%"))
        #expect(text.contains("invariant violations: 0"))
        let html = report.html
        #expect(html.contains("id=\"occupancy\"") && html.contains("id=\"pool-map\"") && html.contains("id=\"protected-mode\""))
        #expect(html.contains("class=\"held\"") && html.contains("class=\"hole\"") && html.contains("class=\"protected\""))
        #expect(html == Self.sample.html)
        #expect(html.contains("<p class=\"ok\">No fault.</p>"))
    }

    /// The page lists the faults word for word (escaped), up to its limit, says how many more
    /// there were, and gives the expectation's verdict.
    @Test func htmlListsTheFaults() {
        var report = Self.sample
        report.faults = (0..<(RunReport.htmlListedFaults + 5)).map { "codec: fault <\($0)> & more" }
        report.faultsNotListed = 7
        report.expectation = RunReport.Expectation(faults: .exactly(3), violations: .exactly(0), stated: true,
                                                   faultCount: report.faultCount, violationCount: 0)
        let html = report.html
        #expect(html.contains("<h2>Faults (\(RunReport.htmlListedFaults + 12)) and invariants</h2>"))
        #expect(html.contains("<li><code>codec: fault &lt;0&gt; &amp; more</code></li>"))
        #expect(html.contains("<li><code>codec: fault &lt;\(RunReport.htmlListedFaults - 1)&gt; &amp; more</code></li>"))
        #expect(!html.contains("fault &lt;\(RunReport.htmlListedFaults)&gt;"))
        #expect(html.contains("… 12 more (the first \(RunReport.htmlListedFaults + 5) are in --json)."))
        #expect(html.contains("<p>expected: faults 3, violations 0: not met (\(RunReport.htmlListedFaults + 12) faults)</p>"))
    }

    /// Past the palette's ten, owners and heaps still get colours of their own.
    @Test func manyOwnersGetDistinctColours() {
        let colours = (0..<40).map(SVG.color)
        #expect(Set(colours).count == 40)
        #expect(colours[0] == SVG.palette[0] && colours[10].hasPrefix("hsl("))
    }
}
