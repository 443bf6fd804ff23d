extension SVG {
    /// The protected pool as a bar: who holds which pages, and the holes between them, over
    /// an axis of offsets into the pool; a legend names each holder with the bytes it holds.
    static func poolMap(_ report: RunReport, width: Double = 760) -> String {
        let left = 20.0, right = 30.0, top = 10.0, barHeight = 30.0
        let plotWidth = width - left - right, bottom = top + barHeight
        guard report.poolSize > 0 else {
            return open(id: "pool-map", width: width, height: 30)
                + text("no protected pool in this run", x: left, y: 19, size: 13, className: "empty", fill: "#666") + "</svg>"
        }
        let size = Double(report.poolSize)
        func x(_ offset: Double) -> Double { left + plotWidth * offset / size }

        var body = "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(barHeight))\" fill=\"#ffffff\" stroke=\"#999\"/>"
        var owners: [String] = [], held: [UInt64] = []
        var free: UInt64 = 0, holes = 0
        for segment in report.poolMap {
            let segmentX = x(Double(segment.offset)), segmentWidth = max(0.5, plotWidth * Double(segment.size) / size)
            let geometry = "x=\"\(number(segmentX))\" y=\"\(number(top))\" width=\"\(number(segmentWidth))\" height=\"\(number(barHeight))\""
            if let owner = segment.owner {
                if !owners.contains(owner) {
                    owners.append(owner)
                    held.append(0)
                }
                let index = owners.firstIndex(of: owner)!
                held[index] += segment.size
                body += "<rect class=\"held\" \(geometry) fill=\"\(color(index))\"><title>\(escape(owner)): \(RunReport.bytes(segment.size)) at +0x\(String(segment.offset, radix: 16))</title></rect>"
            } else {
                free += segment.size
                holes += 1
                body += "<rect class=\"hole\" \(geometry) fill=\"#eeeeee\" stroke=\"#cccccc\" stroke-width=\"0.5\"><title>hole: \(RunReport.bytes(segment.size))</title></rect>"
            }
        }
        if owners.isEmpty { body += emptyMessage("no buffers held in the pool", x: left, y: top, width: plotWidth, height: barHeight) }
        body += horizontalAxis(ticks(upTo: size, .bytes, count: tickCount(along: plotWidth, label: 8)), y: bottom, x: x)
        var height = bottom + 22
        let summary = "offset into the pool (\(RunReport.bytes(report.poolSize))): \(owners.count) holder\(owners.count == 1 ? "" : "s") of "
            + "\(RunReport.bytes(held.reduce(0, +))), \(RunReport.bytes(free)) free in \(holes) hole\(holes == 1 ? "" : "s")"
        let note = note(summary, x: left, y: height, width: plotWidth, className: "axis-title")
        body += note.svg
        height += note.height + 4
        var entries = owners.indices.map { LegendEntry(fill: color($0), label: "\(owners[$0]) (\(RunReport.bytes(held[$0])))") }
        if holes > 0 { entries.append(LegendEntry(fill: "#eeeeee", stroke: "#cccccc", label: "free")) }
        let legend = legend(entries, x: left, y: height, width: plotWidth)
        body += legend.svg
        height += legend.height
        return open(id: "pool-map", width: width, height: height + 6) + body + "</svg>"
    }
}
