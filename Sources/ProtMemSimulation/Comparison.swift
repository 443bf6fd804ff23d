import ProtMemBoard
import ProtMemReport

/// The same scenario under each of the four designs, side by side.
public struct DesignComparison: Codable, Hashable, Sendable {
    public struct Row: Codable, Hashable, Sendable {
        public var design: String
        /// How the driver's probe went during the boot, measured: bound at once, deferred (how
        /// often, and what brought it up), waited for its supplier, or failed.
        public var probe: String
        /// Who allocates and owns the protected memory.
        public var owner: String
        /// Whether the codec, display and camera can share the GPU's pool.
        public var sharedWithOtherDevices: String
        /// SoC-specific code the GPU driver needs.
        public var socSpecificCode: String
        /// Every protected pool's peak use together (the GPU's own region included).
        public var peakProtectedBytes: UInt64
        public var fragmentation: Double
        public var faults: Int
        public var protectedModeEntries: UInt64
        public var meanEnterLatencyNanoseconds: UInt64
        public var violations: Int
        /// What failed and why; empty when the run was clean.
        public var failure: String
        /// What the board sets aside for protected memory under this design: every carve-out,
        /// static pool and region, whole (0 for memory lent on demand, as OP-TEE's dynamic pool).
        public var reservedProtectedBytes: UInt64 = 0
        /// The bisection's total (``Capacity/minProtectedBytes``); `nil` when the comparison
        /// did not size (`--no-size`) or there is none (``minProtectedNote``).
        public var minProtectedBytes: UInt64? = nil
        public var minProtectedNote: String? = nil
        /// Under reserved-region, what a region for every device would need at least
        /// (``Capacity/perDeviceRegionsAtLeastBytes``); `nil` for the shared designs.
        public var perDeviceRegionsAtLeastBytes: UInt64? = nil
        /// Each pool's search, when the comparison sized.
        public var pools: [Capacity.Pool] = []
        /// Virtual nanoseconds from power-on until the GPU was bound with its firmware booted.
        public var gpuReadyNs: UInt64 = 0
        /// Probe attempts the boot made or held for the GPU, the binding one included.
        public var probeAttempts: Int = 0
        /// Attacks of the catalogue run under this design, and how many succeeded: none are
        /// run by a comparison yet, so both are 0 (``DesignComparison/attacksNote``).
        public var attacksRun: Int = 0
        public var attacksSucceeded: Int = 0
        /// The attacks that succeeded under this design, by name.
        public var attacksThrough: [String] = []
        /// The scenario's injected faults (`inject:`), each with whether the design recovered,
        /// the frames it lost and the time it took (``RunReport/InjectedFaultOutcome``).
        public var injectedFaults: [RunReport.InjectedFaultOutcome] = []
    }

    public var scenario: String
    public var board: String
    /// The boot order every run used (`probe_order`).
    public var probeOrder: String
    public var rows: [Row]
    /// The seed every run used.
    public var seed: UInt64 = 0
    /// ``ReservedRegionLayout``'s name, for the reserved-region row.
    public var reservedRegions: String = ReservedRegionLayout.perDevice.rawValue
    /// Whether each design's minimum protected memory was searched for.
    public var sized: Bool = false
    /// Why `attacks_run` and `attacks_succeeded` are 0.
    public var attacksNote: String = DesignComparison.noAttacks

    static let noAttacks = "no attack was run: the comparison does not run the attack catalogue (protmem attack) yet"

    /// Records the design attacks' results (run by the caller, which sees the attack
    /// catalogue): for each design, the attacks that applied and the names of those that
    /// succeeded; `note` says what they are.
    public mutating func recordAttacks(_ results: [String: (run: Int, through: [String])], note: String) {
        for index in rows.indices {
            guard let result = results[rows[index].design] else { continue }
            rows[index].attacksRun = result.run
            rows[index].attacksSucceeded = result.through.count
            rows[index].attacksThrough = result.through
        }
        attacksNote = note
    }

    /// Runs `scenario` on `configuration` once per design (same seed: the scenario's, or
    /// `seed`), and with `sizing` searches each design's minimum protected memory
    /// (``CapacitySearch``, reusing the run just made).
    public static func run(_ scenario: Scenario, configuration: BoardConfiguration, firmware: [UInt8], seed: UInt64? = nil, sizing: Bool = true,
                           reservedRegions: ReservedRegionLayout = .perDevice) -> DesignComparison {
        // The designs' runs share nothing: made at once, on every core.
        let designs = Design.allCases
        let rows = IndependentRuns.map(designs.count) {
            row(designs[$0], scenario: scenario, configuration: configuration, firmware: firmware, seed: seed, sizing: sizing, reservedRegions: reservedRegions)
        }
        return DesignComparison(scenario: scenario.name, board: configuration.name, probeOrder: scenario.probeOrder.rawValue, rows: rows,
                                seed: seed ?? scenario.seed, reservedRegions: reservedRegions.rawValue, sized: sizing)
    }

    /// One design's column: one run, and with `sizing` its capacity search. Independent of
    /// every other (design, seed): a sweep may make them in any order or in parallel.
    public static func row(_ design: Design, scenario: Scenario, configuration: BoardConfiguration, firmware: [UInt8], seed: UInt64? = nil,
                           sizing: Bool = true, reservedRegions: ReservedRegionLayout = .perDevice) -> Row {
        var row = Row(design: design.rawValue, probe: "", owner: design.owner, sharedWithOtherDevices: design.sharing,
                      socSpecificCode: design.socCode, peakProtectedBytes: 0, fragmentation: 0, faults: 0,
                      protectedModeEntries: 0, meanEnterLatencyNanoseconds: 0, violations: 0, failure: "")
        // A comparison shows reports only: no trace, so a long scenario stays bounded.
        var simulation = Simulation(scenario: scenario, configuration: configuration, design: design, seed: seed, firmware: firmware)
        simulation.recordsTrace = false
        simulation.reservedRegions = reservedRegions
        if let applied = try? design.apply(to: configuration, layout: reservedRegions) {
            row.reservedProtectedBytes = applied.0.protectedPools.reduce(0) { $0 + $1.reservedBytes }
        }
        do {
            let result = try simulation.run()
            let report = result.report
            row.probe = report.probe.summary
            row.peakProtectedBytes = result.pools.reduce(0) { $0 + $1.peakBytes }
            row.reservedProtectedBytes = result.pools.reduce(0) { $0 + $1.pool.reservedBytes }
            row.fragmentation = report.heaps.filter(\.protected).compactMap(\.fragmentation).max() ?? 0
            row.faults = Int(report.faultCount)
            row.protectedModeEntries = report.protectedMode.entries
            row.meanEnterLatencyNanoseconds = report.protectedMode.meanEnterLatency
            row.violations = report.violations.count
            if design == .reservedRegion { row.perDeviceRegionsAtLeastBytes = result.pools.perDeviceRegionsAtLeastBytes }
            row.gpuReadyNs = result.gpuReadyNanoseconds
            row.probeAttempts = result.probeAttempts
            row.injectedFaults = report.injectedFaults
            if let first = report.violations.first ?? report.faults.first { row.failure = first }
            if sizing {
                let capacity = CapacitySearch(simulation).run(baseline: result)
                row.minProtectedBytes = capacity.minProtectedBytes
                row.minProtectedNote = capacity.minProtectedNote
                row.pools = capacity.pools
            }
        } catch {
            row.failure = error.description
            row.probe = "failed"
            if sizing { row.minProtectedNote = "the run fails at the board's own sizes: \(error.description)" }
        }
        return row
    }
}

extension DesignComparison.Row {
    /// `min_protected_bytes` and `min_protected_note` are written as `null` when absent, so
    /// every row has every key.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(design, forKey: .design)
        try container.encode(probe, forKey: .probe)
        try container.encode(owner, forKey: .owner)
        try container.encode(sharedWithOtherDevices, forKey: .sharedWithOtherDevices)
        try container.encode(socSpecificCode, forKey: .socSpecificCode)
        try container.encode(peakProtectedBytes, forKey: .peakProtectedBytes)
        try container.encode(fragmentation, forKey: .fragmentation)
        try container.encode(faults, forKey: .faults)
        try container.encode(protectedModeEntries, forKey: .protectedModeEntries)
        try container.encode(meanEnterLatencyNanoseconds, forKey: .meanEnterLatencyNanoseconds)
        try container.encode(violations, forKey: .violations)
        try container.encode(failure, forKey: .failure)
        try container.encode(reservedProtectedBytes, forKey: .reservedProtectedBytes)
        try container.encode(minProtectedBytes, forKey: .minProtectedBytes)
        try container.encode(minProtectedNote, forKey: .minProtectedNote)
        try container.encode(perDeviceRegionsAtLeastBytes, forKey: .perDeviceRegionsAtLeastBytes)
        try container.encode(pools, forKey: .pools)
        try container.encode(gpuReadyNs, forKey: .gpuReadyNs)
        try container.encode(probeAttempts, forKey: .probeAttempts)
        try container.encode(attacksRun, forKey: .attacksRun)
        try container.encode(attacksSucceeded, forKey: .attacksSucceeded)
        try container.encode(attacksThrough, forKey: .attacksThrough)
        try container.encode(injectedFaults, forKey: .injectedFaults)
    }
}

extension Design {
    var owner: String {
        switch self {
        case .heapByName, .heapDevice: "the heap's exporter (TEE, firewall or hypervisor)"
        case .reservedRegion: "the GPU driver"
        case .userspace: "userspace, from a protected heap"
        }
    }

    var sharing: String {
        switch self {
        case .heapByName, .heapDevice, .userspace: "yes, one heap"
        case .reservedRegion: "only by pointing every device at the region"
        }
    }

    var socCode: String {
        switch self {
        case .heapByName: "none (a heap name in DT)"
        case .reservedRegion: "knows the region is protected and by whom"
        case .heapDevice: "none (a typed phandle)"
        case .userspace: "none; a new uAPI (DEV_QUERY, import ioctl)"
        }
    }
}
