/// Small SVG builders for the HTML report: text in, text out, deterministic (coordinates are
/// rounded to tenths and printed without locale).
///
/// Every plot lays its text out itself, so it must know how wide a label is without a font:
/// ``textWidth(_:fontSize:)`` overestimates (0.65 em a character; sans-serif averages about
/// 0.55), and legends and notes wrap to the plot's width by that estimate, so no text reaches
/// past its SVG's edge. Each plot is as tall as what it holds.
enum SVG {
    static let palette = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"]

    /// The colour of series or owner `index`: the palette's ten, then hues a golden angle
    /// apart at two lightnesses, so a pool shared by many owners never shows two in one colour
    /// (an eleventh owner painted like the first reads as the first's memory).
    static func color(_ index: Int) -> String {
        if index < palette.count { return palette[index] }
        let beyond = index - palette.count
        let hue = (Double(beyond) * 137.507_764).truncatingRemainder(dividingBy: 360)
        return "hsl(\(Int(hue.rounded())) 55% \(beyond % 2 == 0 ? 42 : 62)%)"
    }

    /// The size of tick labels, legend entries and notes.
    static let smallFont = 10.0
    /// A character's width, in ems, that no character of the labels we draw exceeds by much.
    static let characterWidth = 0.65
    /// Height of one legend or note line.
    static let lineHeight = 16.0

    static func number(_ value: Double) -> String { RunReport.fixed(value, 1) }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }

    /// How wide `text` may be drawn at `fontSize`, erring wide.
    static func textWidth(_ text: String, fontSize: Double = smallFont) -> Double {
        Double(text.count) * fontSize * characterWidth
    }

    /// The opening tag of a plot: scaled down with the page on narrow screens, never up.
    static func open(id: String, width: Double, height: Double) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"plot\" id=\"\(id)\" width=\"\(number(width))\" height=\"\(number(height))\" "
            + "viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"sans-serif\">"
    }

    enum Anchor: String {
        case start, middle, end
    }

    static func text(_ content: String, x: Double, y: Double, size: Double = smallFont, anchor: Anchor = .start, className: String? = nil,
                     fill: String? = nil) -> String {
        var out = "<text"
        if let className { out += " class=\"\(className)\"" }
        out += " x=\"\(number(x))\" y=\"\(number(y))\" font-size=\"\(number(size))\""
        if anchor != .start { out += " text-anchor=\"\(anchor.rawValue)\"" }
        if let fill { out += " fill=\"\(fill)\"" }
        return out + ">\(escape(content))</text>"
    }

    static func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, className: String? = nil) -> String {
        "<line" + (className.map { " class=\"\($0)\"" } ?? "")
            + " x1=\"\(number(x1))\" y1=\"\(number(y1))\" x2=\"\(number(x2))\" y2=\"\(number(y2))\" stroke=\"\(stroke)\" stroke-width=\"1\"/>"
    }

    /// `text` cut to at most `width` wide, with an ellipsis when cut.
    static func truncated(_ text: String, width: Double, fontSize: Double = smallFont) -> String {
        guard textWidth(text, fontSize: fontSize) > width else { return text }
        let keep = max(1, Int(width / (fontSize * characterWidth)) - 1)
        return String(text.prefix(keep)) + "…"
    }

    /// `text` in lines at most `width` wide, broken at spaces (a word wider than a line is cut).
    static func wrapped(_ text: String, width: Double, fontSize: Double = smallFont) -> [String] {
        var lines: [String] = [], current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true).map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if textWidth(candidate, fontSize: fontSize) <= width {
                current = candidate
            } else {
                if !current.isEmpty { lines.append(current) }
                current = truncated(word, width: width, fontSize: fontSize)
            }
        }
        if !current.isEmpty { lines.append(current) }
        return lines
    }

    /// One entry of a legend: a swatch and what it stands for.
    struct LegendEntry {
        var fill: String
        var stroke: String? = nil
        var label: String
    }

    /// A legend flowing left to right from (`x`, `y`), wrapping at `width`: the SVG, and the
    /// height it takes (a line per row).
    static func legend(_ entries: [LegendEntry], x: Double, y: Double, width: Double) -> (svg: String, height: Double) {
        guard !entries.isEmpty else { return ("", 0) }
        var out = "<g class=\"legend\">"
        var cursor = x, row = 0
        for entry in entries {
            let label = truncated(entry.label, width: width - 14)
            let entryWidth = 14 + textWidth(label)
            if cursor > x, cursor + entryWidth > x + width {
                row += 1
                cursor = x
            }
            let top = y + Double(row) * lineHeight
            out += "<g class=\"legend-entry\"><rect x=\"\(number(cursor))\" y=\"\(number(top + 2))\" width=\"10\" height=\"10\" fill=\"\(entry.fill)\""
            if let stroke = entry.stroke { out += " stroke=\"\(stroke)\" stroke-width=\"1\"" }
            out += "/>" + text(label, x: cursor + 14, y: top + 11, className: "legend-label") + (label == entry.label ? "" : "<title>\(escape(entry.label))</title>") + "</g>"
            cursor += entryWidth + 16
        }
        return (out + "</g>", Double(row + 1) * lineHeight)
    }

    /// Lines of small text from (`x`, `y`), wrapped at `width`: the SVG and its height.
    static func note(_ content: String, x: Double, y: Double, width: Double, className: String = "note") -> (svg: String, height: Double) {
        let lines = wrapped(content, width: width)
        let svg = lines.enumerated().map { index, line in
            text(line, x: x, y: y + 11 + Double(index) * lineHeight, className: className, fill: "#444")
        }.joined()
        return (svg, Double(lines.count) * lineHeight)
    }

    /// A message in the middle of an empty plot area.
    static func emptyMessage(_ message: String, x: Double, y: Double, width: Double, height: Double) -> String {
        text(truncated(message, width: width - 8, fontSize: 13), x: x + width / 2, y: y + height / 2 + 4, size: 13, anchor: .middle,
             className: "empty", fill: "#666")
    }
}
