import ProtMemReport

extension DesignComparison {
    /// How wide the table `protmem compare` prints may be, in characters.
    public static let tableWidth = 120

    /// The measures, a row each, in the order the table and the page show them.
    var measures: [(label: String, value: (Row) -> String)] {
        [
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
            ("reserved protected", { RunReport.bytesText($0.reservedProtectedBytes) }),
            ("min protected", { [sized] row in
                guard sized else { return "not sized" }
                return row.minProtectedBytes.map(RunReport.bytesText) ?? row.minProtectedNote ?? "-"
            }),
            ("region per device >=", { $0.perDeviceRegionsAtLeastBytes.map(RunReport.bytesText) ?? "-" }),
            ("min per pool", { [sized] row in sized ? Self.poolStory(row) : "-" }),
            ("GPU ready", { "\($0.gpuReadyNs) ns" }),
            ("probe attempts", { String($0.probeAttempts) }),
            ("attacks succeeded", { $0.attacksRun == 0 ? "not run"
                : "\($0.attacksSucceeded) of \($0.attacksRun)" + ($0.attacksThrough.isEmpty ? "" : ": " + $0.attacksThrough.joined(separator: ", ")) }),
            ("injected faults", { $0.injectedFaults.isEmpty ? "none" : $0.injectedFaults.map(\.comparisonCell).joined(separator: "; ") }),
        ]
    }

    /// The table `protmem compare` prints: a row per measure, a column per design, at most
    /// ``tableWidth`` characters a line. A cell too long for its column (a probe's story, a
    /// design's owner, a failure) is a numbered note under the table, written out in full;
    /// designs that say the same thing share the note.
    public var table: String {
        let measures = self.measures
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

        var lines = Self.wrapped("scenario \(scenario) on \(board), probe order \(probeOrder), seed \(seed)"
                                 + (sized ? ", reserved regions \(reservedRegions)" : ""), indent: 0)
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

    /// Each pool a design's minimum is made of, in words: its minimum of what the board
    /// reserves, its peak and the devices taking buffers from it, and what failed one page
    /// below (with the free bytes and largest free extent then, which show fragmentation).
    static func poolStory(_ row: Row) -> String {
        let parts = row.pools.filter { $0.reservedBytes > 0 || $0.peakBytes > 0 }.map { pool -> String in
            var text = "\(pool.name) (\(pool.kind.rawValue)"
            text += pool.devicePeaks.isEmpty ? ")"
                : " for " + pool.devicePeaks.map { "\($0.device) \(RunReport.bytesText($0.peakBytes))" }.joined(separator: ", ") + ")"
            text += ": reserves \(RunReport.bytesText(pool.reservedBytes)), peak \(RunReport.bytesText(pool.peakBytes))"
            if let minimum = pool.minBytes { text += ", min \(RunReport.bytesText(minimum))" }
            if let note = pool.note { text += " (\(note))" }
            if let below = pool.belowMinimum {
                text += "; a page less fails first with \(below.firstFailure)"
                if let free = below.freeBytes, let largest = below.largestFreeExtentBytes {
                    text += " with \(RunReport.bytesText(free)) free, the largest free extent \(RunReport.bytesText(largest))"
                }
            }
            return text
        }
        return parts.isEmpty ? "-" : parts.joined(separator: "; ")
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

extension RunReport.InjectedFaultOutcome {
    /// A comparison cell: what, whether frames flowed again and how soon, what it cost.
    var comparisonCell: String {
        let outcome: String
        switch recovered {
        case true?: outcome = "recovered in \(RunReport.fixed(Double(recoveryTime ?? 0) / 1e6, 1)) ms"
        case false?: outcome = "not recovered"
        case nil: outcome = "recovery not measured"
        }
        return "\(kind): \(outcome), \(framesLost) frames lost"
    }
}
