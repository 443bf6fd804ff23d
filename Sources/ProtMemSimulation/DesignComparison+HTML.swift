import ProtMemReport

extension DesignComparison {
    /// `protmem compare --html`: a self-contained page (no scripts, no external files) with the
    /// table's measures as an HTML table (designs as columns, every cell in full), the plot of
    /// reserved, peak and minimum protected memory per design, the plot of each injected
    /// fault's recovery per design (when the scenario injects any), and each design's pools.
    public var html: String {
        func escape(_ text: String) -> String { HTMLText.escape(text) }
        var table = "<table class=\"measures\"><tr><th></th>" + rows.map { "<th>\(escape($0.design))</th>" }.joined() + "</tr>\n"
        // Each pool's story has its own table below.
        for measure in measures where measure.label != "min per pool" {
            table += "<tr><th>\(escape(measure.label))</th>" + rows.map { "<td>\(escape(measure.value($0)))</td>" }.joined() + "</tr>\n"
        }
        table += "</table>"
        let plot = DesignMemory.plot(rows.map {
            DesignMemory(design: $0.design, reservedBytes: $0.reservedProtectedBytes, peakBytes: $0.peakProtectedBytes, minimumBytes: $0.minProtectedBytes)
        })
        let recoveries = rows.flatMap { row in
            row.injectedFaults.map { FaultRecovery(design: row.design, fault: "\($0.kind) at \(RunReport.fixed(Double($0.at) / 1e9, 3)) s",
                                                   recoveryTime: $0.recovered == true ? $0.recoveryTime : nil, framesLost: $0.framesLost) }
        }
        let recovery = recoveries.isEmpty ? "" : "<h2>Fault recovery</h2>\n" + FaultRecovery.plot(recoveries)
        var pools = ""
        for row in rows where !row.pools.isEmpty {
            pools += "<h3>\(escape(row.design))</h3>\n<table class=\"pools\"><tr><th>pool</th><th>kind</th><th>reserved</th><th>peak</th><th>min</th>"
                + "<th>each device's peak</th><th>one page below the minimum</th></tr>\n"
            for pool in row.pools {
                let devices = pool.devicePeaks.map { "\($0.device) \(RunReport.bytesText($0.peakBytes))" }.joined(separator: ", ")
                var below = pool.note ?? "-"
                if let failure = pool.belowMinimum {
                    below = "\(failure.firstFailure)"
                    if let free = failure.freeBytes, let largest = failure.largestFreeExtentBytes {
                        below += " (\(RunReport.bytesText(free)) free, the largest free extent \(RunReport.bytesText(largest)))"
                    }
                }
                pools += "<tr><td>\(escape(pool.name))</td><td>\(escape(pool.kind.rawValue))</td><td>\(RunReport.bytesText(pool.reservedBytes))</td>"
                    + "<td>\(RunReport.bytesText(pool.peakBytes))</td><td>\(pool.minBytes.map(RunReport.bytesText) ?? "-")</td>"
                    + "<td>\(escape(devices.isEmpty ? "-" : devices))</td><td class=\"story\">\(escape(below))</td></tr>\n"
            }
            pools += "</table>\n"
        }
        if pools.isEmpty { pools = "<p>Not sized (<code>--no-size</code>).</p>" }
        return """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>ProtMem: \(escape(scenario)) under each design</title>
        <style>
        body { font-family: sans-serif; margin: 24px; color: #222; }
        table { border-collapse: collapse; margin-bottom: 16px; }
        td, th { border: 1px solid #ccc; padding: 3px 8px; font-size: 13px; text-align: left; vertical-align: top; }
        table.measures td { max-width: 220px; overflow-wrap: anywhere; }
        td.story { max-width: 360px; overflow-wrap: anywhere; }
        h2 { font-size: 16px; margin-top: 24px; } h3 { font-size: 14px; }
        @media (max-width: 900px) { body { margin: 8px; } td, th { padding: 2px 4px; font-size: 12px; } }
        svg.plot { display: block; width: 100%; max-width: 1000px; height: auto; margin-bottom: 8px; }
        </style></head><body>
        <h1>\(escape(scenario)) under each design</h1>
        <p>Board <b>\(escape(board))</b>, probe order \(escape(probeOrder)), seed \(seed), reserved regions \(escape(reservedRegions)).</p>
        <h2>Protected memory</h2>
        \(plot)
        \(recovery)
        <h2>Measures</h2>
        \(table)
        <p>\(escape(attacksNote)).</p>
        <h2>Pools</h2>
        \(pools)
        </body></html>

        """
    }
}
