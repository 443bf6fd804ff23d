import ProtMemMemory
import ProtMemReport

/// Finds, by bisection, the smallest protected memory a board must set aside for a scenario
/// to run clean (no fault, no invariant violation, no failed allocation), at page granularity.
///
/// Each resizable pool the scenario uses is searched on its own, the others kept at the
/// board's size: under the reserved-region design's static partition the GPU's region and
/// the media carve-out each get their minimum, and the total is their sum. The search lies
/// between the pool's peak use at the board's size (one seed, one allocation sequence: a clean
/// run at any size makes the same allocations, so it needs at least the peak) and the
/// board's size (clean, or there is nothing to find). It tries the peak first, which is the
/// answer when nothing fragments, then halves the interval; it assumes a pool that runs
/// clean at a size also runs clean at every larger one. Runs record no trace.
public struct CapacitySearch: Sendable {
    public var simulation: Simulation

    public init(_ simulation: Simulation) {
        var simulation = simulation
        simulation.recordsTrace = false
        simulation.bufinfoTimes = []
        self.simulation = simulation
    }

    /// One run at `sizes`: what was wrong (`nil`: clean), its result when it ran, and its
    /// first failure.
    struct Attempt {
        let problem: String?
        let result: SimulationResult?
        let failure: FirstFailure?
    }

    func attempt(_ sizes: [String: UInt64]) -> Attempt {
        var run = simulation
        run.protectedSizes = sizes
        let watch = FirstFailureWatch()
        run.firstFailure = watch
        do {
            let result = try run.run()
            return Attempt(problem: Self.problem(result.report), result: result, failure: watch.found)
        } catch {
            return Attempt(problem: error.description, result: nil, failure: watch.found)
        }
    }

    /// What makes a report not clean, or `nil`.
    public static func problem(_ report: RunReport) -> String? {
        var problems: [String] = []
        if report.faultCount > 0 { problems.append("\(report.faultCount) fault\(report.faultCount == 1 ? "" : "s")" + (report.faults.first.map { ", the first: \($0)" } ?? "")) }
        if !report.violations.isEmpty { problems.append("\(report.violations.count) violation\(report.violations.count == 1 ? "" : "s"), the first: \(report.violations[0])") }
        let failures = report.heaps.reduce(UInt64(0)) { $0 + $1.failures }
        if failures > 0 { problems.append("\(failures) failed allocation\(failures == 1 ? "" : "s") (\(report.heaps.filter { $0.failures > 0 }.map(\.name).joined(separator: ", ")))") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// Searches every pool. `baseline`, when given, is this simulation's run at the board's
    /// sizes (a comparison has made it already), and is not run again.
    public func run(baseline: SimulationResult? = nil) -> Capacity {
        var runs = 0
        let first: Attempt
        if let baseline {
            first = Attempt(problem: Self.problem(baseline.report), result: baseline, failure: nil)
        } else {
            first = attempt([:])
            runs += 1
        }
        var capacity = Capacity(scenario: simulation.scenario.name, board: simulation.configuration.name, design: simulation.design.rawValue,
                                reservedRegions: simulation.reservedRegions.rawValue, seed: simulation.seed, clean: first.problem == nil,
                                problem: first.problem, pools: [], reservedProtectedBytes: 0, peakProtectedBytes: 0, minProtectedBytes: nil,
                                minProtectedNote: nil, runs: 0)
        guard let result = first.result else {
            capacity.minProtectedNote = "the run fails at the board's own sizes: \(first.problem ?? "")"
            capacity.runs = runs
            return capacity
        }
        for use in result.pools {
            var pool = Capacity.Pool(name: use.pool.name, kind: use.pool.kind, devices: use.devices, devicePeaks: use.devicePeaks, reservedBytes: use.pool.reservedBytes,
                                     peakBytes: use.peakBytes, minBytes: nil, note: nil, belowMinimum: nil, runs: 0)
            if first.problem != nil {
                pool.note = "not searched: the run is not clean at the board's own sizes"
            } else if let why = use.pool.fixedBecause {
                pool.note = use.peakBytes == 0 ? "unused by this scenario; " + why : why
            } else if use.peakBytes == 0 {
                pool.minBytes = 0
                pool.note = "unused by this scenario: peak 0, counted as 0, not run without it"
            } else {
                search(&pool)
            }
            runs += pool.runs
            capacity.pools.append(pool)
        }
        capacity.reservedProtectedBytes = capacity.pools.reduce(0) { $0 + $1.reservedBytes }
        capacity.peakProtectedBytes = capacity.pools.reduce(0) { $0 + $1.peakBytes }
        capacity.perDeviceRegionsAtLeastBytes = result.pools.perDeviceRegionsAtLeastBytes
        if capacity.clean {
            let missing = capacity.pools.filter { $0.minBytes == nil && $0.peakBytes > 0 }
            if missing.isEmpty {
                capacity.minProtectedBytes = capacity.pools.reduce(0) { $0 + ($1.minBytes ?? 0) }
            } else {
                capacity.minProtectedNote = missing.map { "\($0.name): \($0.note ?? "not searched")" }.joined(separator: "; ")
            }
        } else {
            capacity.minProtectedNote = "no size runs it clean: at the board's own sizes, \(first.problem ?? "")"
        }
        capacity.runs = runs
        return capacity
    }

    /// Bisects `pool` between its peak (rounded up to a page) and its reserved size.
    func search(_ pool: inout Capacity.Pool) {
        let name = pool.name
        var high = pool.reservedBytes
        var low = min((pool.peakBytes + pageSize - 1) & ~(pageSize - 1), high)
        var below: (size: UInt64, attempt: Attempt)?
        if low < high {
            let atPeak = attempt([name: low])
            pool.runs += 1
            if atPeak.problem == nil { high = low } else { below = (low, atPeak) }
        }
        if below != nil {
            while high - low > pageSize {
                let middle = low + (high - low) / pageSize / 2 * pageSize
                let trial = attempt([name: middle])
                pool.runs += 1
                if trial.problem == nil { high = middle } else { low = middle; below = (middle, trial) }
            }
        } else if high > pageSize {
            let size = high - pageSize
            below = (size, attempt([name: size]))
            pool.runs += 1
        }
        pool.minBytes = high
        guard let below else {
            pool.note = "one page less is no pool at all"
            return
        }
        guard below.attempt.problem != nil else {
            // The pool's use is not monotonic in its size: say so rather than call it a minimum.
            pool.minBytes = nil
            pool.note = "one page below the size found (\(below.size) bytes) also runs clean: the scenario's need is not monotonic in the pool's size here"
            return
        }
        let state = below.attempt.failure?.pools.first { $0.pool == name }
        pool.belowMinimum = Capacity.BelowMinimum(sizeBytes: below.size, firstFailure: below.attempt.failure?.what ?? below.attempt.problem ?? "",
                                                  firstFailureTime: below.attempt.failure?.time ?? 0, freeBytes: state?.freeBytes,
                                                  largestFreeExtentBytes: state?.largestFreeExtentBytes)
    }
}
