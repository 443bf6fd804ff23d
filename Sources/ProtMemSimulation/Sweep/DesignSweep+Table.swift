import ProtMemReport

extension DesignSweep {
    /// What `protmem compare --seeds` prints: a row per measure and statistic (mean, min,
    /// max over the seeds), a column per design, at most ``DesignComparison/tableWidth``
    /// characters a line.
    public var table: String {
        func format(_ name: String, _ value: Double?) -> String {
            guard let value else { return "-" }
            if name.hasSuffix("_bytes") { return RunReport.bytesText(UInt64(value.rounded())) }
            if name == "fragmentation" { return RunReport.fixed(value * 100, 1) + "%" }
            if name.hasSuffix("_nanoseconds") || name.hasSuffix("_ns") { return RunReport.fixed(value / 1000, 1) + " µs" }
            return value == value.rounded() ? String(Int64(value)) : RunReport.fixed(value, 2)
        }
        var rows: [(String, [String])] = []
        for (index, measure) in Self.measures.enumerated() {
            let label = measure.name.replacingOccurrences(of: "_", with: " ")
            for (statistic, pick) in [("mean", \Statistic.mean), ("min", \Statistic.min), ("max", \Statistic.max)] as [(String, KeyPath<Statistic, Double?>)] {
                rows.append(("\(label) \(statistic)", designs.map { format(measure.name, $0.statistics[index][keyPath: pick]) }))
            }
        }
        rows.append(("runs", designs.map { String($0.runs) }))
        let labelWidth = rows.map(\.0.count).max() ?? 0
        let widths = designs.indices.map { column in max(designs[column].design.count, rows.map { $0.1[column].count }.max() ?? 0) }
        func line(_ label: String, _ values: [String]) -> String {
            var text = label.padding(toLength: labelWidth, withPad: " ", startingAt: 0)
            for (column, value) in values.enumerated() { text += "  " + value.padding(toLength: widths[column], withPad: " ", startingAt: 0) }
            return String(text.reversed().drop { $0 == " " }.reversed())
        }
        let span = seeds.count == 1 ? "seed \(seeds[0])" : "\(seeds.count) seeds \(seeds.first!)…\(seeds.last!)"
        var lines = DesignComparison.wrapped("scenario \(scenario) on \(board), \(span), reserved regions \(reservedRegions)"
                                             + (sized ? "" : ", not sized"), indent: 0)
        lines.append("")
        lines.append(line("", designs.map(\.design)))
        for (label, values) in rows { lines.append(line(label, values)) }
        return lines.joined(separator: "\n")
    }
}
