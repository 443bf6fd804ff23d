import ProtMemReport

/// `protmem size --seeds`: one capacity search per seed, each on its own (in parallel), and
/// the minimum's mean, min and max over them.
public struct CapacitySweep: Codable, Hashable, Sendable {
    public var capacities: [Capacity]

    public static func run(_ simulation: Simulation, seeds: [UInt64]) -> CapacitySweep {
        CapacitySweep(capacities: IndependentRuns.map(seeds.count) { index in
            let seeded = Simulation(scenario: simulation.scenario, configuration: simulation.configuration, design: simulation.design,
                                    seed: seeds[index], firmware: simulation.firmware)
            var run = seeded
            run.reservedRegions = simulation.reservedRegions
            return CapacitySearch(run).run()
        })
    }

    /// A row per seed (reserved, peak, minimum), then the minimum's mean, min and max over the
    /// seeds that have one.
    public var text: String {
        func bytes(_ value: UInt64?) -> String { value.map(RunReport.bytesText) ?? "-" }
        guard let first = capacities.first else { return "no seed" }
        var lines = DesignComparison.wrapped("scenario \(first.scenario) on \(first.board), design \(first.design)"
                                             + (first.design == Design.reservedRegion.rawValue ? " (reserved regions: \(first.reservedRegions))" : "")
                                             + ", \(capacities.count) seeds", indent: 0)
        lines.append("")
        let rows = [["SEED", "RESERVED", "PEAK", "MIN", "RUNS"]] + capacities.map {
            [String($0.seed), bytes($0.reservedProtectedBytes), bytes($0.peakProtectedBytes), bytes($0.minProtectedBytes), String($0.runs)]
        }
        let widths = (0..<5).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { $1.padding(toLength: $0 == 4 ? $1.count : widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  "))
        }
        let minimums = capacities.compactMap(\.minProtectedBytes)
        lines.append("")
        if minimums.isEmpty {
            lines.append("no seed has a minimum")
        } else {
            let mean = Double(minimums.reduce(0, +)) / Double(minimums.count)
            lines.append("min protected over \(minimums.count) of \(capacities.count) seeds: mean \(RunReport.bytesText(UInt64(mean.rounded()))), "
                         + "min \(RunReport.bytesText(minimums.min()!)), max \(RunReport.bytesText(minimums.max()!))")
        }
        for capacity in capacities where capacity.minProtectedBytes == nil {
            lines += DesignComparison.wrapped("seed \(capacity.seed): \(capacity.minProtectedNote ?? "no minimum")", indent: 0)
        }
        return lines.joined(separator: "\n")
    }
}
