import ProtMemReport

extension DesignComparison {
    /// How wide the table `protmem compare` prints may be, in characters.
    public static let tableWidth = 120

    /// The table `protmem compare` prints: a row per measure, a column per design, at most
    /// ``tableWidth`` characters a line. A cell too long for its column (a probe's story, a
    /// design's owner, a failure) is a numbered note under the table, written out in full;
    /// designs that say the same thing share the note.
    public var table: String {
        let measures: [(label: String, value: (Row) -> String)] = [
            ("probe", \.probe),
            ("owner of protected memory", \.owner),
            ("pool shared", \.sharedWithOtherDevices),
            ("SoC code in GPU driver", \.socSpecificCode),
            ("peak protected", { RunReport.bytesText($0.peakProtectedBytes) }),
            ("fragmentation", { RunReport.fixed($0.fragmentation * 100, 1) + "%" }),
            ("faults", { String($0.faults) }),
            ("protected-mode entries", { String($0.protectedModeEntries) }),
            ("mean enter latency", { RunReport.fixed(Double($0.meanEnterLatencyNanoseconds) / 1000, 1) + " µs" }),
            ("invariant violations", { String($0.violations) }),
            ("failure", { $0.failure.isEmpty ? "-" : $0.failure }),
        ]
        let separator = 2
        let labelWidth = measures.map(\.label.count).max() ?? 0
        let columns = max(rows.count, 1)
        let cellLimit = max(8, (Self.tableWidth - labelWidth - separator * columns) / columns)

        var notes: [String] = []
        func cell(_ text: String) -> String {
            guard text.count > cellLimit else { return text }
            let number = (notes.firstIndex(of: text) ?? { notes.append(text); return notes.count - 1 }()) + 1
            return "[\(number)]"
        }
        let cells = measures.map { measure in rows.map { cell(measure.value($0)) } }
        let widths = rows.indices.map { column in max(rows[column].design.count, cells.map { $0[column].count }.max() ?? 0) }
        func line(_ label: String, _ values: [String]) -> String {
            var text = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (column, value) in values.enumerated() {
                text += String(repeating: " ", count: separator) + value.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }
            return String(text.reversed().drop { $0 == " " }.reversed())
        }

        var lines = Self.wrapped("scenario \(scenario) on \(board), probe order \(probeOrder)", indent: 0)
        lines.append("")
        lines.append(line("", rows.map(\.design)))
        for (measure, values) in zip(measures, cells) { lines.append(line(measure.label, values)) }
        if !notes.isEmpty {
            lines.append("")
            for (index, note) in notes.enumerated() {
                let mark = "[\(index + 1)] "
                let body = Self.wrapped(note, indent: mark.count)
                lines.append(mark + body[0].dropFirst(mark.count))
                lines.append(contentsOf: body.dropFirst())
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `text` in lines of at most ``tableWidth`` characters, each after `indent` spaces,
    /// broken at spaces (a word longer than a line is broken where the line ends).
    static func wrapped(_ text: String, indent: Int) -> [String] {
        let width = tableWidth - indent, pad = String(repeating: " ", count: indent)
        var lines: [String] = [], current = ""
        for word in text.split(whereSeparator: { $0 == " " || $0 == "\n" }) {
            var word = Substring(word)
            if !current.isEmpty, current.count + 1 + word.count <= width {
                current += " " + word
                continue
            }
            if !current.isEmpty { lines.append(pad + current) }
            while word.count > width {
                lines.append(pad + word.prefix(width))
                word = word.dropFirst(width)
            }
            current = String(word)
        }
        lines.append(pad + current)
        return lines
    }
}
