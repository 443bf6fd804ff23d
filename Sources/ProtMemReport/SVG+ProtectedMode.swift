extension SVG {
    /// When the GPU ran in protected mode: a strip over the run's time axis, a period in red.
    static func protectedTimeline(_ report: RunReport, width: Double = 760) -> String {
        let left = 20.0, right = 30.0, top = 10.0, barHeight = 20.0
        let plotWidth = width - left - right, bottom = top + barHeight
        let duration = Double(max(report.duration, 1))
        func x(_ time: Double) -> Double { left + plotWidth * time / duration }

        var body = "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(barHeight))\" fill=\"#f4f4f4\" stroke=\"#999\"/>"
        for interval in report.protectedIntervals where interval.start < report.duration {
            let start = x(Double(interval.start))
            let periodWidth = max(0.5, x(Double(min(interval.end, report.duration))) - start)
            body += "<rect class=\"protected\" x=\"\(number(start))\" y=\"\(number(top))\" width=\"\(number(periodWidth))\" height=\"\(number(barHeight))\" fill=\"#e15759\"/>"
        }
        if report.protectedIntervals.isEmpty {
            body += emptyMessage("the GPU never entered protected mode", x: left, y: top, width: plotWidth, height: barHeight)
        }
        body += horizontalAxis(ticks(upTo: duration, .time, count: tickCount(along: plotWidth, label: 7)), y: bottom, x: x)
        var height = bottom + 22
        let periods = report.protectedIntervals.count
        let note = note("simulated time: \(periods) protected-mode period\(periods == 1 ? "" : "s"), "
                        + "\(RunReport.seconds(report.protectedMode.timeInside)) inside", x: left, y: height, width: plotWidth, className: "axis-title")
        body += note.svg
        height += note.height + 4
        let legend = legend([LegendEntry(fill: "#e15759", label: "protected mode"), LegendEntry(fill: "#f4f4f4", stroke: "#999", label: "normal mode")],
                            x: left, y: height, width: plotWidth)
        body += legend.svg
        height += legend.height
        return open(id: "protected-mode", width: width, height: height + 6) + body + "</svg>"
    }
}
