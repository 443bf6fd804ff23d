/// One design's protected memory, for the comparison's plot: what the board sets aside, the
/// peak use, and the bisected minimum (`nil`: not sized, or no minimum).
public struct DesignMemory: Hashable, Sendable {
    public var design: String
    public var reservedBytes: UInt64
    public var peakBytes: UInt64
    public var minimumBytes: UInt64?

    public init(design: String, reservedBytes: UInt64, peakBytes: UInt64, minimumBytes: UInt64?) {
        self.design = design
        self.reservedBytes = reservedBytes
        self.peakBytes = peakBytes
        self.minimumBytes = minimumBytes
    }

    /// Three bars a design, reserved over peak over minimum, on one byte axis; a legend names
    /// the three.
    public static func plot(_ designs: [DesignMemory]) -> String { SVG.designMemory(designs) }
}

extension SVG {
    static let reservedColor = "#4e79a7", peakColor = "#f28e2b", minimumColor = "#e15759"

    static func designMemory(_ designs: [DesignMemory], width: Double = 760) -> String {
        let labelWidth = max(60, (designs.map { textWidth($0.design) }.max() ?? 0) + 8)
        let left = 20.0 + labelWidth, right = 30.0, top = 10.0, barHeight = 9.0, groupGap = 10.0
        let plotWidth = width - left - right
        let maximum = Double(designs.flatMap { [$0.reservedBytes, $0.peakBytes, $0.minimumBytes ?? 0] }.max() ?? 0)
        let ticks = ticks(upTo: maximum, .bytes, count: tickCount(along: plotWidth, label: 8), covering: true)
        let scale = max(ticks.last?.value ?? maximum, 1)
        func x(_ bytes: Double) -> Double { left + plotWidth * bytes / scale }

        var body = ""
        var y = top
        for design in designs {
            body += text(truncated(design.design, width: labelWidth - 8), x: left - 6, y: y + barHeight * 1.5 + 4, anchor: .end, className: "design-label")
            let bars: [(String, String, UInt64?)] = [("reserved", reservedColor, design.reservedBytes), ("peak", peakColor, design.peakBytes),
                                                     ("minimum", minimumColor, design.minimumBytes)]
            for (index, bar) in bars.enumerated() {
                let barTop = y + Double(index) * barHeight
                if let bytes = bar.2 {
                    let barWidth = max(0.5, x(Double(bytes)) - left)
                    body += "<rect class=\"\(bar.0)\" x=\"\(number(left))\" y=\"\(number(barTop))\" width=\"\(number(barWidth))\" height=\"\(number(barHeight - 1))\" fill=\"\(bar.1)\">"
                        + "<title>\(escape(design.design)) \(bar.0): \(RunReport.bytes(bytes))</title></rect>"
                } else {
                    body += text("no \(bar.0)", x: left + 2, y: barTop + barHeight - 1, size: 8, className: "missing", fill: "#666")
                }
            }
            y += 3 * barHeight + groupGap
        }
        if designs.isEmpty { body += emptyMessage("no design", x: left, y: top, width: plotWidth, height: 30); y += 30 }
        let bottom = y - groupGap + 2
        body += line(x1: left, y1: top - 2, x2: left, y2: bottom, stroke: "#999")
        body += horizontalAxis(ticks, y: bottom, x: x)
        var height = bottom + 22
        let note = note("protected memory per design: what the board sets aside, the peak use, and the smallest size that runs the scenario clean",
                        x: 20, y: height, width: width - 20 - right, className: "axis-title")
        body += note.svg
        height += note.height + 4
        let legend = legend([LegendEntry(fill: reservedColor, label: "reserved"), LegendEntry(fill: peakColor, label: "peak"),
                             LegendEntry(fill: minimumColor, label: "minimum (bisected)")], x: 20, y: height, width: width - 20 - right)
        body += legend.svg
        height += legend.height
        return open(id: "design-memory", width: width, height: height + 6) + body + "</svg>"
    }
}

/// Text put into an HTML page built outside this module (the comparison's page).
public enum HTMLText {
    /// `&`, `<`, `>` and `"` as entities.
    public static func escape(_ text: String) -> String { SVG.escape(text) }
}
