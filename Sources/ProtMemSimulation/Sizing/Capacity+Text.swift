import ProtMemReport

extension Capacity {
    /// What `protmem size` prints: a row per pool (what the board sets aside, the peak, the
    /// minimum found), the total, and under it for each pool the run one page below its
    /// minimum (what failed first, and the pool's free bytes and largest free extent then).
    public var text: String {
        func bytes(_ value: UInt64?) -> String { value.map(RunReport.bytesText) ?? "-" }
        var lines = DesignComparison.wrapped("scenario \(scenario) on \(board), design \(design)"
                                             + (design == Design.reservedRegion.rawValue ? " (reserved regions: \(reservedRegions))" : "") + ", seed \(seed)", indent: 0)
        lines.append("")
        let header = ["POOL", "KIND", "RESERVED", "PEAK", "MIN", "DEVICES"]
        let rows = pools.map { [$0.name, $0.kind.rawValue, bytes($0.reservedBytes), bytes($0.peakBytes), bytes($0.minBytes), $0.devices.isEmpty ? "-" : $0.devices.joined(separator: ", ")] }
            + [["total", "", bytes(reservedProtectedBytes), bytes(peakProtectedBytes), bytes(minProtectedBytes), ""]]
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for row in [header] + rows {
            let line = row.enumerated().map { index, cell in index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0) }
                .joined(separator: "  ")
            lines.append(String(line.reversed().drop { $0 == " " }.reversed()))
        }
        lines.append("")
        lines += DesignComparison.wrapped("a region for every device would need at least \(bytes(perDeviceRegionsAtLeastBytes)): each device's own peak, added up", indent: 0)
        if let problem { lines += DesignComparison.wrapped("not clean at the board's own sizes: \(problem)", indent: 0) }
        if let minProtectedNote { lines += DesignComparison.wrapped("no total minimum: \(minProtectedNote)", indent: 0) }
        for pool in pools where !pool.devicePeaks.isEmpty {
            lines += DesignComparison.wrapped("\(pool.name): each device's peak: " + pool.devicePeaks.map { "\($0.device) \(bytes($0.peakBytes))" }
                .joined(separator: ", "), indent: 0)
        }
        for pool in pools {
            if let below = pool.belowMinimum {
                var text = "\(pool.name): at \(bytes(below.sizeBytes)) (one page less) the first failure, at \(below.firstFailureTime) ns, is \(below.firstFailure)"
                if let free = below.freeBytes, let largest = below.largestFreeExtentBytes {
                    text += "; the pool then had \(bytes(free)) free, the largest free extent \(bytes(largest))"
                }
                lines += DesignComparison.wrapped(text, indent: 0)
            } else if let note = pool.note, problem == nil {
                lines += DesignComparison.wrapped("\(pool.name): \(note)", indent: 0)
            }
        }
        lines.append("\(runs) runs")
        return lines.joined(separator: "\n")
    }
}
