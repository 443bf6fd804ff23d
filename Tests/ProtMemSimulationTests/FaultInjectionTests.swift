import Foundation
import ProtMemReport
import ProtMemSimulation
import Testing

/// `inject:` puts the same fault into a run at a set time under every design, and the report
/// says what each did to the frames: recovered or not, frames lost, time to recover.
@Suite struct FaultInjectionTests {
    static func scenario(_ inject: String, duration: String = "1s", extra: String = "") throws -> Scenario {
        try Scenario.parse("""
        name: injected
        seed: 3
        duration: \(duration)
        inject:
        \(inject)
        workloads:
          - {kind: secure-playback, resolution: 1920x1080, frame_rate: 60, buffers: 4}
        \(extra)
        """, file: "i.yaml")
    }

    static func run(_ scenario: Scenario, design: Design? = nil) throws -> RunReport {
        try Simulation(scenario: scenario, configuration: .builtinDefault, design: design).run().report
    }

    /// A protected-mode fault resets the GPU and kills the player's group; the player makes a
    /// new one (as Mesa does after a guilty reset) and frames flow again, under every design.
    @Test(arguments: Design.allCases)
    func aResetInProtectedModeCostsAFrameAndRecovers(_ design: Design) throws {
        let report = try Self.run(try Self.scenario("  - {kind: gpu-reset-protected, at: 300ms}"), design: design)
        let outcome = try #require(report.injectedFaults.first)
        #expect(report.injectedFaults.count == 1)
        #expect(outcome.kind == "gpu-reset-protected" && outcome.at == 300_000_000 && outcome.duration == 0)
        #expect(outcome.recovered == true, "\(outcome)")
        #expect(outcome.framesLost >= 1)
        #expect(try #require(outcome.recoveryTime) > 0)
        #expect(report.faults.contains { $0.contains("GPU Fault in protected mode") })
        #expect(report.violations.isEmpty)
        // The playback carried on to the end: most of its 60 frames were shown.
        let display = try #require(report.devices.first { $0.name == "display" })
        #expect(display.work >= 50)
    }

    /// Another process takes every free byte of the protected heap: a churn process's
    /// allocations are refused while it holds them, and succeed again once it lets go.
    @Test func heapExhaustionRefusesAllocationsUntilTheMemoryComesBack() throws {
        let report = try Self.run(try Self.scenario("  - {kind: heap-exhaustion, at: 300ms, for: 200ms, heap: protected-carveout}",
                                                    extra: "  - {kind: churn, processes: 1, operations: 600, heap: protected-carveout, max_size: 512KiB}"))
        let outcome = try #require(report.injectedFaults.first)
        #expect(outcome.duration == 200_000_000)
        #expect(outcome.allocationFailures > 0, "\(outcome)")
        #expect(outcome.recovered == true)
        #expect(try #require(outcome.recoveryTime) >= 200_000_000, "not before the memory came back")
        #expect(outcome.detail.contains("bytes of protected-carveout"))
        // The hog's buffers went back: the heap ends as it began, no leak reported.
        #expect(report.violations.isEmpty)
        let heap = try #require(report.heaps.first { $0.name == "protected-carveout" })
        #expect(heap.afterTeardownBytes == 0)
        #expect(heap.peakBytes > heap.atEndBytes)
    }

    /// A system suspend: nothing is shown while the GPU sleeps, the frames decoded meanwhile
    /// are shown too late to count, and after the resume frames are on time again.
    @Test func aSuspendLosesTheFramesItSleptThrough() throws {
        let report = try Self.run(try Self.scenario("  - {kind: suspend-resume, at: 400ms, for: 100ms}"))
        let outcome = try #require(report.injectedFaults.first)
        #expect(outcome.recovered == true, "\(outcome)")
        #expect(outcome.framesLost >= 4, "about six 60 Hz periods asleep: \(outcome)")
        #expect(try #require(outcome.recoveryTime) >= 100_000_000)
        #expect(report.violations.isEmpty)
        #expect(report.textSummary.contains("suspend-resume at 0.400 s for 0.100 s: recovered after"))
    }

    /// Without injected faults the report has none, and its JSON says so with an empty list.
    @Test func noInjectionNoOutcome() throws {
        let scenario = try Scenario.parse("""
        name: plain
        duration: 100ms
        workloads:
          - {kind: trusted-ui, resolution: 1920x1080, frame_rate: 60}
        """)
        let report = try Self.run(scenario)
        #expect(report.injectedFaults.isEmpty)
        #expect(!report.textSummary.contains("injected faults"))
    }

    @Test func theSameSeedGivesTheSameOutcomes() throws {
        let scenario = try Self.scenario("  - {kind: gpu-reset-protected, at: 300ms}\n  - {kind: suspend-resume, at: 600ms, for: 50ms}")
        let first = try Self.run(scenario), second = try Self.run(scenario)
        #expect(first.injectedFaults == second.injectedFaults)
        #expect(first.injectedFaults.count == 2)
    }

    @Test(arguments: [
        ("  - {kind: gpu-meltdown, at: 300ms}", "i.yaml:5:12: error: inject[0].kind: unknown fault kind \"gpu-meltdown\"; expected one of gpu-reset-protected, heap-exhaustion, suspend-resume, refused-reclaim"),
        ("  - {kind: heap-exhaustion, at: 300ms}", "i.yaml:5:5: error: inject[0]: heap-exhaustion needs for: (how long it lasts)"),
        ("  - {kind: gpu-reset-protected, at: 300ms, for: 1ms}", "error: inject[0].for: gpu-reset-protected is an instant: it takes no for:"),
        ("  - {kind: suspend-resume, at: 2s, for: 1ms}", "error: inject[0].at: 2s is not before the scenario's end (1s)"),
        ("  - {kind: suspend-resume, at: 1ms, for: 0ms}", "error: inject[0].for: must be longer than zero"),
        ("  - {kind: suspend-resume, at: 1ms, for: 1ms, heap: x}", "error: inject[0].heap: only heap-exhaustion names a heap"),
        ("  - {kind: suspend-resume, at: 1ms, for: 1ms, when: now}", "error: inject[0].when: unknown field; expected one of at, for, heap, kind"),
        ("  - {at: 1ms}", "error: inject[0].kind: is required but missing"),
    ])
    func badInjectionsNameTheField(_ inject: String, _ message: String) {
        #expect {
            _ = try Self.scenario(inject)
        } throws: { "\($0)".contains(message) }
    }

    /// A heap the board does not have is an error before anything runs.
    @Test func anUnknownHeapIsNamed() throws {
        let scenario = try Self.scenario("  - {kind: heap-exhaustion, at: 1ms, for: 1ms, heap: nosuch}")
        #expect {
            _ = try Self.run(scenario)
        } throws: { "\($0)".contains("inject.0.heap") || "\($0)".contains("no heap \"nosuch\"") }
    }
}

/// A refused reclaim needs OP-TEE's dynamic pool (memory lent from CMA on demand).
@Suite struct RefusedReclaimTests {
    static let scenario = """
        name: refused-reclaim
        seed: 4
        duration: 1s
        inject:
          - {kind: refused-reclaim, at: 200ms, for: 300ms}
        workloads:
          - {kind: trusted-ui, resolution: 1280x720, frame_rate: 30}
          - {kind: churn, processes: 1, operations: 2000, heap: "protected,secure-video", max_size: 64KiB}
        """

    /// While OP-TEE refuses reclaims the pool keeps what it lent; the report counts the
    /// refusals, and once reclaims come back the pool gives everything back (no leak at the end).
    @Test func whileReclaimsAreRefusedThePoolKeepsWhatItLent() throws {
        let report = try Simulation(scenario: try Scenario.parse(Self.scenario), configuration: .builtinOPTEEDynamic).run().report
        let outcome = try #require(report.injectedFaults.first)
        #expect(outcome.kind == "refused-reclaim" && outcome.duration == 300_000_000)
        #expect(outcome.detail.contains("RECLAIM_PROTMEM refused (TEE_ERROR_BUSY)"), "\(outcome.detail)")
        let refused = Int(outcome.detail.prefix { $0.isNumber }) ?? 0
        #expect(refused > 0, "\(outcome.detail)")
        #expect(outcome.recovered == true)
        #expect(report.violations.isEmpty, "\(report.violations)")
    }

    /// Refused until the run ends: the pool's last release was refused and nothing allocates
    /// again to retry it, so its block stays lent to OP-TEE, gone from CMA. The run reports that
    /// as the leak it is (Linux's pool would hold it lent the same way until its next use).
    @Test func aReclaimRefusedToTheEndLeavesTheBlockLent() throws {
        let text = Self.scenario.replacingOccurrences(of: "{kind: refused-reclaim, at: 200ms, for: 300ms}", with: "{kind: refused-reclaim, at: 200ms, for: 10s}")
        let report = try Simulation(scenario: try Scenario.parse(text), configuration: .builtinOPTEEDynamic).run().report
        #expect(report.injectedFaults.first?.duration == 10_000_000_000)
        #expect(report.violations.contains { $0.contains("heap protected,secure-video has 33554432 bytes in use but its live buffers hold 0") },
                "\(report.violations)")
        #expect(report.heaps.first { $0.name == "protected,secure-video" }?.afterTeardownBytes == 32 << 20)
    }

    /// On a board without the dynamic pool there is nothing to refuse, and the report says so.
    @Test func nothingToRefuseWithoutADynamicPool() throws {
        let report = try Simulation(scenario: try Scenario.parse(Self.scenario), configuration: .builtinDefault).run().report
        #expect(report.injectedFaults.first?.detail == "no OP-TEE dynamic pool on this board: nothing to refuse")
    }
}
