import Foundation
import ProtMemBoard
import ProtMemReport
@testable import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// A long run's memory does not grow with simulated time unless it records a trace: the
/// report's series are decimated to a fixed number of points, faults past the first are
/// counted, and what the GPU keeps (its trace, its finished jobs) is let go as the run goes.
@Suite struct LongRunTests {
    static func scenario(_ yaml: String) throws -> Scenario { try Scenario.parse(yaml) }

    /// 1000 frames a second of a small protected stream: a protected-mode period a frame.
    static func fastPlayback(_ duration: String) throws -> Scenario {
        try scenario("""
        name: fast-playback
        duration: \(duration)
        workloads:
          - {kind: secure-playback, resolution: 64x64, frame_rate: 1000, buffers: 2}
        """)
    }

    static func json(_ report: RunReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }

    static func run(_ scenario: Scenario, trace: Bool = false, limits: RunLimits = RunLimits()) throws -> SimulationResult {
        var simulation = Simulation(scenario: scenario, configuration: .builtinDefault)
        simulation.recordsTrace = trace
        simulation.limits = limits
        return try simulation.run()
    }

    // MARK: Through the public API alone

    /// More periods than the plot keeps: the periods are merged, the time inside is exact.
    @Test func protectedPeriodsStayBoundedAndTheTimeInsideExact() throws {
        let report = try Simulation(scenario: try Self.fastPlayback("17s"), configuration: .builtinDefault).run().report
        #expect(report.protectedMode.entries >= 16_900)
        #expect(report.protectedIntervals.count <= 16384)
        #expect(report.protectedIntervals.count >= 8192)
        let compose: UInt64 = 200_000
        #expect(report.protectedMode.timeInside >= report.protectedMode.exits * compose)
        #expect(report.protectedMode.timeInside < report.protectedIntervals.reduce(0) { $0 + ($1.end - $1.start) })
    }

    /// A broken design faults every frame: the first thousand of each source are listed, the
    /// rest counted, and the devices' counts stay exact. Each refused capture is the camera's
    /// fault and the bus's; it is counted once, as the camera's.
    @Test func faultsPastTheFirstThousandAreCounted() throws {
        let report = try Simulation(scenario: try Self.scenario("""
            name: broken-fast
            duration: 1500ms
            workloads:
              - {kind: secure-record, resolution: 64x64, frame_rate: 1000, buffers: 2, heap: "protected,secure-video"}
            """), configuration: .builtinDefault).run().report
        let camera = try #require(report.devices.first { $0.name == "camera" })
        #expect(camera.faults >= 1500)
        #expect(report.faults.count == 1000)
        #expect(report.faults.filter { $0.hasPrefix("bus: ") }.isEmpty)
        #expect(report.faultsNotListed == report.faultCount - 1000)
        #expect(report.faultCount == camera.faults)
        #expect(report.textSummary.contains("faults: \(report.faultCount)\n"))
        #expect(report.textSummary.contains("… \(report.faultCount - 20) more (the first 1000 are in --json, \(report.faultsNotListed!) only counted)"))
    }

    // MARK: The run's own bounds

    /// Without a trace, the report is the one a traced run makes, byte for byte.
    @Test(arguments: ["secure-playback-4k60.yaml", "secure-record-1080p30.yaml", "trusted-ui.yaml", "mixed-gpu.yaml", "churn.yaml",
                      "broken-record-into-optee-pool.yaml", "leak-bitstream-into-system-heap.yaml"])
    func theReportIsTheSameWithoutATrace(_ file: String) throws {
        var scenario = try Scenario.load(path: SimulationTests.examples.appendingPathComponent(file).path)
        scenario.duration = ScenarioDuration(nanoseconds: min(scenario.duration.nanoseconds, 400_000_000))
        let traced = try Self.run(scenario, trace: true)
        let untraced = try Self.run(scenario)
        #expect(try Self.json(traced.report) == Self.json(untraced.report))
        #expect(!traced.trace.isEmpty && untraced.trace.isEmpty)
        #expect(untraced.footprint.traceEntries == 0 && traced.footprint.traceEntries > 0)
    }

    /// Ten times the simulated time, and nothing the run holds is larger but what the limits
    /// allow.
    @Test func aRunTenTimesLongerHoldsNoMore() throws {
        let short = try Self.run(try Self.fastPlayback("1s")).footprint
        let long = try Self.run(try Self.fastPlayback("10s")).footprint
        #expect(short.traceEntries == 0 && long.traceEntries == 0)
        #expect(long.gpuTraceEvents <= 2048 && long.gpuJobs <= 4096 + 512)
        #expect(long.occupancySamples == short.occupancySamples)
        #expect(long.recordedFaults == 0 && long.busFaults == 0)
        #expect(short.protectedPeriods >= 990 && long.protectedPeriods >= 9990 && long.protectedPeriods <= RunLimits().protectedPeriods)
        // A traced run keeps what it must write.
        let traced = try Self.run(try Self.fastPlayback("1s"), trace: true).footprint
        #expect(traced.gpuTraceEvents > 8000 && traced.traceEntries >= 2000)
    }

    /// Decimated series keep the run's ends, its peaks and its totals.
    @Test func decimationKeepsTheEndsThePeaksAndTheTotals() throws {
        var small = RunLimits()
        small.protectedPeriods = 16
        small.occupancySamples = 16
        small.listedFaults = 3
        let playback = try Self.fastPlayback("300ms")
        let whole = try Self.run(playback).report, cut = try Self.run(playback, limits: small).report
        #expect(whole.protectedIntervals.count == 300)
        #expect(cut.protectedIntervals.count <= 16 && cut.protectedIntervals.count >= 8)
        #expect(cut.protectedIntervals.first?.start == whole.protectedIntervals.first?.start)
        #expect(cut.protectedIntervals.last?.end == whole.protectedIntervals.last?.end)
        #expect(cut.protectedMode == whole.protectedMode)
        #expect(whole.protectedIntervals.allSatisfy { period in cut.protectedIntervals.contains { $0.start <= period.start && period.end <= $0.end } })

        var churn = try Scenario.load(path: SimulationTests.examples.appendingPathComponent("churn.yaml").path)
        churn.duration = ScenarioDuration(nanoseconds: 300_000_000)
        let churned = try Self.run(churn).report, churnedCut = try Self.run(churn, limits: small).report
        let heap = "protected-carveout"
        let samples = try #require(churned.occupancy[heap]), cutSamples = try #require(churnedCut.occupancy[heap])
        #expect(samples.count > 100 && cutSamples.count <= 16)
        #expect(cutSamples.map(\.bytes).max() == samples.map(\.bytes).max(), "the peak survives")
        #expect(cutSamples.allSatisfy { kept in samples.contains(kept) }, "every kept sample is one the run took")
        #expect(churnedCut.heaps == churned.heaps)

        let broken = try Scenario.load(path: SimulationTests.examples.appendingPathComponent("broken-record-into-optee-pool.yaml").path)
        let faulted = try Self.run(broken).report, faultedCut = try Self.run(broken, limits: small).report
        // Seven refused captures, each the camera's fault (and not again the bus's).
        #expect(faulted.faults.count == 7 && faulted.faultsNotListed == nil)
        #expect(faultedCut.faults == Array(faulted.faults[0..<3]))
        #expect(faultedCut.faultsNotListed == 4 && faultedCut.faultCount == 7)
        #expect(faultedCut.devices == faulted.devices)
    }

    /// The series itself: exact up to its capacity, then evenly merged.
    @Test func aDecimatedSeriesIsExactUpToItsCapacityThenEven() {
        var series = DecimatedSeries<Int>(capacity: 8, merge: +)
        for value in 1...8 { series.append(value) }
        #expect(series.elements == Array(1...8) && series.stride == 1)
        series.append(9)
        #expect(series.elements == [3, 7, 11, 15, 9] && series.stride == 2)
        for value in 10...100 { series.append(value) }
        #expect(series.elements.count <= 8 && series.elements.reduce(0, +) == (1...100).reduce(0, +))
        #expect(series.appended == 100 && series.stride == 16)
    }
}
