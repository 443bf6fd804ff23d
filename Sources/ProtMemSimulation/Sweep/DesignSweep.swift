import ProtMemBoard

/// A comparison over many seeds: one run (and, sizing, one capacity search) per (seed,
/// design), each independent of the others, summarised per design as mean, min and max.
public struct DesignSweep: Codable, Hashable, Sendable {
    /// One (seed, design) run: what `--json-lines` writes as one line.
    public struct Run: Codable, Hashable, Sendable {
        public var scenario: String
        public var board: String
        public var seed: UInt64
        public var reservedRegions: String
        public var row: DesignComparison.Row
    }

    /// One measure over a design's runs.
    public struct Statistic: Codable, Hashable, Sendable {
        public var name: String
        /// Runs that had a value (a run without a minimum has no `min_protected_bytes`).
        public var runs: Int
        public var mean: Double?
        public var min: Double?
        public var max: Double?
    }

    public struct Summary: Codable, Hashable, Sendable {
        public var design: String
        public var runs: Int
        public var statistics: [Statistic]
    }

    public var scenario: String
    public var board: String
    public var seeds: [UInt64]
    public var reservedRegions: String
    public var sized: Bool
    public var designs: [Summary]
    /// Every run, seed by seed, the designs in their order.
    public var runs: [Run]

    /// The measures summarised, in the order printed; each run's value, or `nil`.
    static let measures: [(name: String, value: @Sendable (DesignComparison.Row) -> Double?)] = [
        ("reserved_protected_bytes", { Double($0.reservedProtectedBytes) }),
        ("peak_protected_bytes", { Double($0.peakProtectedBytes) }),
        ("min_protected_bytes", { row in row.minProtectedBytes.map { Double($0) } }),
        ("per_device_regions_at_least_bytes", { row in row.perDeviceRegionsAtLeastBytes.map { Double($0) } }),
        ("fragmentation", { $0.fragmentation }),
        ("faults", { Double($0.faults) }),
        ("violations", { Double($0.violations) }),
        ("protected_mode_entries", { Double($0.protectedModeEntries) }),
        ("mean_enter_latency_nanoseconds", { Double($0.meanEnterLatencyNanoseconds) }),
        ("gpu_ready_ns", { Double($0.gpuReadyNs) }),
        ("probe_attempts", { Double($0.probeAttempts) }),
    ]

    /// Runs every (seed, design) of `seeds` × the four designs, in parallel.
    public static func run(_ scenario: Scenario, configuration: BoardConfiguration, firmware: [UInt8], seeds: [UInt64], sizing: Bool = true,
                           reservedRegions: ReservedRegionLayout = .perDevice) -> DesignSweep {
        let designs = Design.allCases
        let rows = IndependentRuns.map(seeds.count * designs.count) { index in
            DesignComparison.row(designs[index % designs.count], scenario: scenario, configuration: configuration, firmware: firmware,
                                 seed: seeds[index / designs.count], sizing: sizing, reservedRegions: reservedRegions)
        }
        let runs = rows.enumerated().map { index, row in
            Run(scenario: scenario.name, board: configuration.name, seed: seeds[index / designs.count], reservedRegions: reservedRegions.rawValue, row: row)
        }
        let summaries = designs.map { design in
            let mine = runs.filter { $0.row.design == design.rawValue }.map(\.row)
            return Summary(design: design.rawValue, runs: mine.count, statistics: measures.map { measure in
                let values = mine.compactMap(measure.value)
                return Statistic(name: measure.name, runs: values.count, mean: values.isEmpty ? nil : values.reduce(0, +) / Double(values.count),
                                 min: values.min(), max: values.max())
            })
        }
        return DesignSweep(scenario: scenario.name, board: configuration.name, seeds: seeds, reservedRegions: reservedRegions.rawValue, sized: sizing,
                           designs: summaries, runs: runs)
    }
}
