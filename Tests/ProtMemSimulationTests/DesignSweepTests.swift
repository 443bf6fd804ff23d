import ProtMemBoard
@testable import ProtMemSimulation
import Testing

/// Sweeps: each (seed, design) run is the one a comparison of that seed makes, however the
/// runs were spread, and the summary is their mean, min and max.
@Suite struct DesignSweepTests {
    @Test func seedListsParseCountsAndRanges() throws {
        #expect(try SeedList(parsing: "3", base: 5).seeds == [5, 6, 7])
        #expect(try SeedList(parsing: "2...4", base: 5).seeds == [2, 3, 4])
        #expect(try SeedList(parsing: "0x10...0x11", base: 0).seeds == [16, 17])
        for (text, words) in [("0", "expected a count N"), ("4...2", "the range is empty (4 > 2)"), ("x", "expected a count N"),
                              ("1...y", "expected a count N"), ("100001", "expected a count N"), ("0...100000", "more than 100000 seeds")] {
            do {
                _ = try SeedList(parsing: text, base: 1)
                Issue.record("\(text) accepted")
            } catch {
                #expect(error.description.contains("--seeds \"\(text)\"") && error.description.contains(words), "\(error)")
            }
        }
        #expect(throws: SimulationError.self) { try SeedList(parsing: "2", base: .max) }
    }

    @Test func eachRunIsTheComparisonOfItsSeedAndTheSummaryIsTheirs() throws {
        // Churn: its peak (and so its minimum) moves with the seed.
        var scenario = try SimulationTests.scenario("churn.yaml")
        scenario.duration = ScenarioDuration(nanoseconds: 100_000_000)
        scenario.workloads = scenario.workloads.map { workload in
            guard case .churn(var churn) = workload else { return workload }
            churn.operations = 400
            return .churn(churn)
        }
        let seeds: [UInt64] = [5, 9, 11]
        let sweep = DesignSweep.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image, seeds: seeds)
        #expect(sweep.runs.count == seeds.count * 4 && sweep.runs.map(\.seed) == seeds.flatMap { Array(repeating: $0, count: 4) })
        for seed in seeds {
            let comparison = DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image, seed: seed)
            #expect(sweep.runs.filter { $0.seed == seed }.map(\.row) == comparison.rows, "seed \(seed)")
        }
        for summary in sweep.designs {
            let peaks = sweep.runs.filter { $0.row.design == summary.design }.map { Double($0.row.peakProtectedBytes) }
            let peak = try #require(summary.statistics.first { $0.name == "peak_protected_bytes" })
            #expect(peak.runs == 3 && peak.min == peaks.min() && peak.max == peaks.max() && peak.mean == peaks.reduce(0, +) / 3)
            let minimum = try #require(summary.statistics.first { $0.name == "min_protected_bytes" })
            #expect(minimum.runs == 3 && (minimum.min ?? 0) >= (peak.min ?? .infinity), "\(minimum)")
        }
        // Spread over cores or not, the same bytes.
        #expect(DesignSweep.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image, seeds: seeds) == sweep)
        let table = sweep.table
        #expect(table.split(separator: "\n").allSatisfy { $0.count <= DesignComparison.tableWidth })
        #expect(table.contains("3 seeds 5…11") && table.contains("\npeak protected bytes mean "))
    }

    @Test func aCapacitySweepIsEachSeedsSearch() throws {
        var scenario = try SimulationTests.scenario("churn.yaml")
        scenario.duration = ScenarioDuration(nanoseconds: 100_000_000)
        let simulation = Simulation(scenario: scenario, configuration: .builtinDefault, design: .reservedRegion)
        let sweep = CapacitySweep.run(simulation, seeds: [5, 6])
        #expect(sweep.capacities.map(\.seed) == [5, 6])
        for capacity in sweep.capacities {
            var seeded = Simulation(scenario: scenario, configuration: .builtinDefault, design: .reservedRegion, seed: capacity.seed)
            seeded.recordsTrace = false
            #expect(CapacitySearch(seeded).run() == capacity)
        }
    }
}
