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
        public var peakProtectedBytes: UInt64
        public var fragmentation: Double
        public var faults: Int
        public var protectedModeEntries: UInt64
        public var meanEnterLatencyNanoseconds: UInt64
        public var violations: Int
        /// What failed and why; empty when the run was clean.
        public var failure: String
    }

    public var scenario: String
    public var board: String
    /// The boot order every run used (`probe_order`).
    public var probeOrder: String
    public var rows: [Row]

    /// Runs `scenario` on `configuration` once per design (same seed).
    public static func run(_ scenario: Scenario, configuration: BoardConfiguration, firmware: [UInt8]) -> DesignComparison {
        var rows: [Row] = []
        for design in Design.allCases {
            var row = Row(design: design.rawValue, probe: "", owner: design.owner, sharedWithOtherDevices: design.sharing,
                          socSpecificCode: design.socCode, peakProtectedBytes: 0, fragmentation: 0, faults: 0,
                          protectedModeEntries: 0, meanEnterLatencyNanoseconds: 0, violations: 0, failure: "")
            do {
                // A comparison shows reports only: no trace, so a long scenario stays bounded.
                var simulation = Simulation(scenario: scenario, configuration: configuration, design: design, firmware: firmware)
                simulation.recordsTrace = false
                let result = try simulation.run()
                let report = result.report
                row.probe = report.probe.summary
                let protected = report.heaps.filter(\.protected)
                row.peakProtectedBytes = protected.reduce(0) { $0 + $1.peakBytes }
                row.fragmentation = protected.compactMap(\.fragmentation).max() ?? 0
                row.faults = Int(report.faultCount)
                row.protectedModeEntries = report.protectedMode.entries
                row.meanEnterLatencyNanoseconds = report.protectedMode.meanEnterLatency
                row.violations = report.violations.count
                if let first = report.violations.first ?? report.faults.first { row.failure = first }
            } catch {
                row.failure = error.description
                row.probe = "failed"
            }
            rows.append(row)
        }
        return DesignComparison(scenario: scenario.name, board: configuration.name, probeOrder: scenario.probeOrder.rawValue, rows: rows)
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
