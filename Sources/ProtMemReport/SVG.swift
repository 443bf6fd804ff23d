/// Small SVG builders for the HTML report: text in, text out, deterministic (coordinates are
/// rounded to tenths and printed without locale).
enum SVG {
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    static func number(_ value: Double) -> String { RunReport.fixed(value, 1) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// Heap occupancy over time: one step line per heap, bytes in use as a share of its size.
    static func occupancy(_ report: RunReport, width: Double = 760, height: Double = 240) -> String {
        let left = 50.0, right = 10.0, top = 10.0, bottom = 30.0
        let plotWidth = width - left - right, plotHeight = height - top - bottom
        let duration = Double(max(report.duration, 1))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"occupancy\" width=\"\(number(width))\" height=\"\(number(height))\" viewBox=\"0 0 \(number(width)) \(number(height))\">"
        out += "<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"#fafafa\" stroke=\"#999\"/>"
        for tick in 0...4 {
            let y = top + plotHeight - plotHeight * Double(tick) / 4
            out += "<text x=\"\(number(left - 4))\" y=\"\(number(y + 4))\" font-size=\"10\" text-anchor=\"end\">\(tick * 25)%</text>"
        }
        out += "<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(height - 6))\" font-size=\"11\" text-anchor=\"middle\">time (\(RunReport.seconds(report.duration)))</text>"
        for (index, heap) in report.heaps.enumerated() {
            guard let samples = report.occupancy[heap.name], !samples.isEmpty, heap.size > 0 else { continue }
            var points: [String] = []
            var lastY = top + plotHeight
            // The plot spans the scenario; frees while the run winds down come after it.
            for sample in samples where sample.time <= report.duration {
                let x = left + plotWidth * Double(sample.time) / duration
                let y = top + plotHeight - plotHeight * min(1, Double(sample.bytes) / Double(heap.size))
                points.append("\(number(x)),\(number(lastY))")
                points.append("\(number(x)),\(number(y))")
                lastY = y
            }
            points.append("\(number(left + plotWidth)),\(number(lastY))")
            let color = palette[index % palette.count]
            out += "<polyline class=\"series\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\" points=\"\(points.joined(separator: " "))\"><title>\(escape(heap.name))</title></polyline>"
        }
        return out + "</svg>"
    }

    /// The protected pool as a bar: who holds which pages, and the holes between them.
    static func poolMap(_ report: RunReport, width: Double = 760, height: Double = 70) -> String {
        let left = 10.0, barHeight = 30.0
        let plotWidth = width - 2 * left
        let size = Double(max(report.poolSize, 1))
        var owners: [String] = []
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"pool-map\" width=\"\(number(width))\" height=\"\(number(height))\" viewBox=\"0 0 \(number(width)) \(number(height))\">"
        out += "<rect x=\"\(number(left))\" y=\"10\" width=\"\(number(plotWidth))\" height=\"\(number(barHeight))\" fill=\"#ffffff\" stroke=\"#999\"/>"
        for segment in report.poolMap {
            let x = left + plotWidth * Double(segment.offset) / size
            let w = max(0.5, plotWidth * Double(segment.size) / size)
            if let owner = segment.owner {
                if !owners.contains(owner) { owners.append(owner) }
                let color = palette[owners.firstIndex(of: owner)! % palette.count]
                out += "<rect class=\"held\" x=\"\(number(x))\" y=\"10\" width=\"\(number(w))\" height=\"\(number(barHeight))\" fill=\"\(color)\"><title>\(escape(owner)): \(RunReport.bytes(segment.size)) at +0x\(String(segment.offset, radix: 16))</title></rect>"
            } else {
                out += "<rect class=\"hole\" x=\"\(number(x))\" y=\"10\" width=\"\(number(w))\" height=\"\(number(barHeight))\" fill=\"#eeeeee\" stroke=\"#cccccc\" stroke-width=\"0.5\"><title>hole: \(RunReport.bytes(segment.size))</title></rect>"
            }
        }
        var x = left
        for (index, owner) in owners.enumerated() {
            out += "<rect x=\"\(number(x))\" y=\"50\" width=\"10\" height=\"10\" fill=\"\(palette[index % palette.count])\"/>"
            out += "<text x=\"\(number(x + 14))\" y=\"59\" font-size=\"10\">\(escape(owner))</text>"
            x += 20 + Double(owner.count) * 6
        }
        return out + "</svg>"
    }

    /// When the GPU ran in protected mode.
    static func protectedTimeline(_ report: RunReport, width: Double = 760, height: Double = 50) -> String {
        let left = 10.0, plotWidth = width - 2 * left
        let duration = Double(max(report.duration, 1))
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"protected-mode\" width=\"\(number(width))\" height=\"\(number(height))\" viewBox=\"0 0 \(number(width)) \(number(height))\">"
        out += "<rect x=\"\(number(left))\" y=\"10\" width=\"\(number(plotWidth))\" height=\"20\" fill=\"#f4f4f4\" stroke=\"#999\"/>"
        for interval in report.protectedIntervals where interval.start < report.duration {
            let x = left + plotWidth * Double(interval.start) / duration
            let w = max(0.5, plotWidth * Double(min(interval.end, report.duration) - interval.start) / duration)
            out += "<rect class=\"protected\" x=\"\(number(x))\" y=\"10\" width=\"\(number(w))\" height=\"20\" fill=\"#e15759\"/>"
        }
        out += "<text x=\"\(number(left))\" y=\"44\" font-size=\"10\">\(report.protectedIntervals.count) protected-mode periods, \(RunReport.seconds(report.protectedMode.timeInside)) inside</text>"
        return out + "</svg>"
    }
}
