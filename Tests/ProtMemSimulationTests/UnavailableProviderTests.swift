import ProtMemReport
import ProtMemSimulation
import Testing

/// A heap whose module never loads, or a TEE that is not there: the same scenario under each
/// design shows who still gets a GPU, with or without protected mode.
@Suite struct UnavailableProviderTests {
    static func scenario(_ fields: String) throws -> Scenario {
        try Scenario.parse("""
        name: unavailable
        duration: 200ms
        \(fields)
        workloads:
          - {kind: trusted-ui, resolution: 1920x1080, frame_rate: 60, heap: "protected,secure-video"}
        """, file: "u.yaml")
    }

    static func run(_ scenario: Scenario, _ design: Design) throws -> RunReport {
        try Simulation(scenario: scenario, configuration: .builtinDefault, design: design).run().report
    }

    /// The carve-out's module never loads. Defer: the heap-by-name GPU never binds; the
    /// reserved-region GPU, which needs no heap, enters protected mode as usual.
    @Test func aHeapThatNeverLoadsLeavesTheHeapDesignsWithoutAGPU() throws {
        let scenario = try Self.scenario("unavailable_heaps: [protected-carveout]\nmissing_heap: defer")
        #expect(scenario.unavailableHeaps == ["protected-carveout"])
        #expect {
            _ = try Self.run(scenario, .heapByName)
        } throws: { "\($0)".contains("the GPU did not come up under the heap-by-name design") }
        let reserved = try Self.run(scenario, .reservedRegion)
        #expect(reserved.protectedMode.entries > 0 && reserved.faults.isEmpty)
        #expect(reserved.probe.steps.contains("dma-buf heaps: protected-carveout never registers (unavailable_heaps: its module never loads)"))
        #expect(!reserved.heaps.contains { $0.name == "protected-carveout" })
    }

    /// With the review's carry-on the heap-by-name GPU binds at once without protected mode:
    /// its protected frames never run.
    @Test func carryOnBindsWithoutProtectedMode() throws {
        let report = try Self.run(try Self.scenario("unavailable_heaps: [protected-carveout]\nmissing_heap: carry-on"), .heapByName)
        #expect(report.probe.summary == "bound at once without protected mode")
        #expect(report.protectedMode.entries == 0)
    }

    /// No TEE: OP-TEE's driver never binds and its heaps never register; the carve-out the
    /// GPU uses is untouched, the trusted UI that wanted OP-TEE's heap is refused.
    @Test func noTEE() throws {
        let scenario = try Self.scenario("unavailable_providers: [optee]")
        #expect(scenario.unavailableProviders == [.optee])
        let report = try Self.run(scenario, .heapByName)
        #expect(report.probe.steps.contains("optee: never comes up (unavailable_providers): no device binds, no heap registers"))
        #expect(!report.heaps.contains { $0.name == "protected,secure-video" })
        #expect(report.faults.contains { $0.contains("no heap named protected,secure-video") })
    }

    @Test func badNamesAreNamed() throws {
        #expect {
            _ = try Self.scenario("unavailable_providers: [tee]")
        } throws: { "\($0)".contains("unknown heap provider \"tee\"; expected one of dma-buf-heaps, arm_ffa, optee") }
        let scenario = try Self.scenario("unavailable_heaps: [nosuch]")
        #expect {
            _ = try Self.run(scenario, .heapByName)
        } throws: { "\($0)".contains("no heap \"nosuch\"") }
    }
}
