extension SVG {
    /// Heap occupancy over time: one step line per heap that was ever in use, bytes in use as
    /// a share of its size, on a time axis in the run's units; a legend names each line and
    /// its heap's size, a note the heaps not drawn. With no line to draw, it says why.
    static func occupancy(_ report: RunReport, width: Double = 760) -> String {
        let left = 50.0, right = 30.0, top = 24.0, plotHeight = 180.0
        let plotWidth = width - left - right, bottom = top + plotHeight
        let duration = Double(max(report.duration, 1))
        // The heaps drawn: those with a size and bytes in use in some sample within the run
        // (frees while the run winds down come after it), each with its share at its fullest.
        var drawn: [(index: Int, heap: RunReport.Heap, samples: [RunReport.Sample])] = [], unused: [String] = []
        var fullest = 0.0
        for (index, heap) in report.heaps.enumerated() {
            let samples = (report.occupancy[heap.name] ?? []).filter { $0.time <= report.duration }
            guard heap.size > 0, let most = samples.map(\.bytes).max(), most > 0 else {
                unused.append(heap.name)
                continue
            }
            drawn.append((index, heap, samples))
            fullest = max(fullest, min(1, Double(most) / Double(heap.size)))
        }
        // The axis reaches the next tick past the fullest heap, so a heap a few percent full
        // is not a line along the bottom (with nothing drawn, it spans 0–100%).
        let yTicks = ticks(upTo: drawn.isEmpty ? 1 : max(fullest, 0.01), .fraction, count: 5, covering: true)
        let yTop = min(1, yTicks.last!.value)
        func x(_ time: Double) -> Double { left + plotWidth * time / duration }
        func y(_ fraction: Double) -> Double { bottom - plotHeight * min(1, fraction / yTop) }

        var body = text("bytes in use, % of each heap's size", x: left, y: 14, className: "axis-title")
        body += "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"#fafafa\" stroke=\"#999\"/>"
        body += "<g class=\"axis\">"
        for tick in yTicks where tick.value <= yTop * (1 + 1e-9) {
            let position = y(tick.value)
            if tick.value > 0, tick.value < yTop * (1 - 1e-9) {
                body += line(x1: left, y1: position, x2: left + plotWidth, y2: position, stroke: "#e4e4e4", className: "grid")
            }
            body += line(x1: left - 4, y1: position, x2: left, y2: position, stroke: "#999")
            body += text(tick.label, x: left - 6, y: position + 3.5, anchor: .end, className: "tick")
        }
        body += "</g>"
        body += horizontalAxis(ticks(upTo: duration, .time, count: tickCount(along: plotWidth, label: 7)), y: bottom, x: x)
        body += text("simulated time", x: left + plotWidth / 2, y: bottom + 30, anchor: .middle, className: "axis-title")

        var entries: [LegendEntry] = []
        for (index, heap, samples) in drawn {
            var points: [String] = []
            var lastY = bottom
            for sample in samples {
                let sampleX = x(Double(sample.time)), sampleY = y(Double(sample.bytes) / Double(heap.size))
                points.append("\(number(sampleX)),\(number(lastY))")
                points.append("\(number(sampleX)),\(number(sampleY))")
                lastY = sampleY
            }
            points.append("\(number(left + plotWidth)),\(number(lastY))")
            let seriesColor = color(index)
            body += "<polyline class=\"series\" fill=\"none\" stroke=\"\(seriesColor)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"><title>\(escape(heap.name))</title></polyline>"
            entries.append(LegendEntry(fill: seriesColor, label: "\(heap.name) (\(RunReport.bytes(heap.size)))"))
        }
        if entries.isEmpty {
            let allocations = report.heaps.reduce(0) { $0 + $1.allocations }
            body += emptyMessage(allocations == 0 ? "no allocations in this run" : "no heap occupancy was sampled in this run",
                                 x: left, y: top, width: plotWidth, height: plotHeight)
        }
        var height = bottom + 40
        let legend = legend(entries, x: left, y: height, width: plotWidth)
        body += legend.svg
        height += legend.height
        if !unused.isEmpty {
            let note = note("not drawn (nothing in use sampled): " + unused.joined(separator: ", "), x: left, y: height, width: plotWidth)
            body += note.svg
            height += note.height
        }
        return open(id: "occupancy", width: width, height: height + 6) + body + "</svg>"
    }
}
