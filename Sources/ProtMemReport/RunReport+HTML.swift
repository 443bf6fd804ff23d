extension RunReport {
    /// A self-contained HTML page: the summary, and SVG plots of heap occupancy, the
    /// protected pool's map and the protected-mode timeline. No scripts, no external files.
    public var html: String {
        var rows = ""
        for heap in heaps {
            rows += "<tr><td>\(SVG.escape(heap.name))</td><td>\(SVG.escape(heap.kind))</td><td>\(heap.protected ? "yes" : "no")</td>"
            rows += "<td>\(Self.bytes(heap.peakBytes))</td><td>\(Self.bytes(heap.atEndBytes))</td><td>\(Self.bytes(heap.afterTeardownBytes))</td><td>\(heap.allocations)</td><td>\(heap.failures)</td><td>\(heap.fragmentation.map(Self.percent) ?? "-")</td></tr>\n"
        }
        var deviceRows = ""
        for device in devices {
            deviceRows += "<tr><td>\(SVG.escape(device.name))</td><td>\(device.work)</td><td>\(device.faults)</td></tr>\n"
        }
        let violationList = (violations.isEmpty ? "<p class=\"ok\">No invariant violation.</p>"
            : "<ul class=\"violations\">" + violations.map { "<li>\(SVG.escape($0))</li>" }.joined() + "</ul>")
            + (expectation.map { "<p>\(SVG.escape($0.line(faultCount: faultCount, violationCount: UInt64(violations.count))))</p>" } ?? "")
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>ProtMem: \(SVG.escape(scenario))</title>
        <style>
        body { font-family: sans-serif; margin: 24px; color: #222; }
        table { border-collapse: collapse; margin-bottom: 16px; }
        td, th { border: 1px solid #ccc; padding: 3px 8px; font-size: 13px; text-align: left; }
        h2 { font-size: 16px; margin-top: 24px; }
        .ok { color: #2a7a2a; } .violations { color: #b00020; }
        ol.faults code { font-size: 12px; white-space: pre-wrap; word-break: break-word; }
        td:nth-child(n+3) { white-space: nowrap; }
        th { white-space: normal; vertical-align: bottom; }
        @media (max-width: 900px) { body { margin: 8px; } td, th { padding: 2px 4px; font-size: 12px; } }
        svg.plot { display: block; width: 100%; max-width: 1000px; height: auto; margin-bottom: 8px; }
        </style></head><body>
        <h1>\(SVG.escape(scenario))</h1>
        <p>Board <b>\(SVG.escape(board))</b>, design <b>\(SVG.escape(design))</b>, seed \(seed), \(Self.seconds(duration)) simulated.</p>
        \(probeSection)
        <h2>Heaps</h2>
        <table><tr><th>heap</th><th>kind</th><th>protected</th><th>peak</th><th>at end</th><th>after teardown</th><th>allocations</th><th>failures</th><th>fragmentation at end</th></tr>
        \(rows)</table>
        <h2>Heap occupancy over time</h2>
        \(SVG.occupancy(self))
        <h2>Protected pool\(poolName.map { " (" + SVG.escape($0) + ")" } ?? "")</h2>
        \(SVG.poolMap(self))
        <h2>Protected mode</h2>
        <p>\(protectedMode.entries) entries, \(protectedMode.exits) exits, enter latency mean \(Self.microseconds(protectedMode.meanEnterLatency)), max \(Self.microseconds(protectedMode.maxEnterLatency)).</p>
        \(SVG.protectedTimeline(self))
        <h2>Devices</h2>
        <table><tr><th>device</th><th>work</th><th>faults</th></tr>
        \(deviceRows)</table>
        <h2>Faults (\(faultCount)) and invariants</h2>
        \(faultList)
        \(violationList)
        </body></html>

        """
    }
}

extension RunReport {
    /// How many faults the page lists word for word; the rest are counted (all are in --json).
    static let htmlListedFaults = 100

    /// The faults, word for word, up to ``htmlListedFaults``, then how many more there were.
    var faultList: String {
        guard !faults.isEmpty else { return faultCount == 0 ? "<p class=\"ok\">No fault.</p>" : "" }
        let listed = faults.prefix(Self.htmlListedFaults).map { "<li><code>\(SVG.escape($0))</code></li>" }.joined()
        let more = faultCount - UInt64(min(faults.count, Self.htmlListedFaults))
        return "<ol class=\"faults\">\(listed)</ol>" + (more > 0 ? "<p>… \(more) more (the first \(faults.count) are in --json).</p>" : "")
    }

    /// The boot's probe steps, when the run recorded them.
    var probeSection: String {
        guard !probe.order.isEmpty else { return "" }
        let steps = probe.steps.map { "<li>\(SVG.escape($0))</li>" }.joined()
        return "<h2>Probe (\(SVG.escape(probe.order)))</h2><p>\(SVG.escape(probe.summary))</p><ol>\(steps)</ol>"
    }
}
