import ProtMemBoard
import ProtMemReport
import ProtMemSimulation
import ProtMemTestSupport
import Testing

/// The boot before a run: the GPU's probe against the heap drivers, in a kernel's order.
@Suite struct ProbeOrderTests {
    static func run(_ configuration: BoardConfiguration = .builtinDefault, design: Design = .heapByName,
                    order: ProbeOrder = .linkOrder) throws(SimulationError) -> RunReport {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 50_000_000)
        scenario.probeOrder = order
        return try Simulation(scenario: scenario, configuration: configuration, design: design, firmware: SyntheticFirmware.image).run().report
    }

    /// Built in, `gpu/` links before `dma-buf/` and `tee/`: the GPU asks for its heap first,
    /// defers, and the retry that brings it up is the one optee's bind triggers (the carve-out
    /// heap's own registration binds nothing, so it retries nothing).
    @Test func byNameTheBuiltInGPUDefersUntilTheNextBind() throws {
        let report = try Self.run()
        #expect(report.probe.order == "link-order")
        #expect(report.probe.deferrals == 1)
        #expect(report.probe.summary == "deferred 1× (EPROBE_DEFER); bound when optee bound")
        #expect(report.probe.steps.first?.hasPrefix("fb000000.gpu: probe deferred (EPROBE_DEFER)") == true)
        #expect(report.probe.steps.first?.contains("\"protected-carveout\" is not registered yet") == true)
        let registered = try #require(report.probe.steps.firstIndex { $0.hasPrefix("dma-buf heaps: registered") })
        let bound = try #require(report.probe.steps.firstIndex(of: "fb000000.gpu: bound"))
        #expect(registered < bound)
        #expect(report.protectedMode.entries == 3 && report.violations.isEmpty)
    }

    @Test func withNoLaterBindLateInitcallBringsItUp() throws {
        var configuration = BoardConfiguration.builtinDefault
        configuration.optee = nil
        let report = try Self.run(configuration)
        #expect(report.probe.summary == "deferred 1× (EPROBE_DEFER); bound at late_initcall")
        #expect(Array(report.probe.steps.suffix(2)) == ["late_initcall: deferred probes retried", "fb000000.gpu: bound"])
        #expect(report.violations.isEmpty)
    }

    /// A heap the TEE registers: it defers through the dma-buf heaps (no bind) and comes up
    /// when optee binds; a heap the FF-A driver registers comes up when arm_ffa binds.
    @Test func aFirmwareHeapBringsTheGPUUpWhenItsDriverBinds() throws {
        var optee = TestBoards.opteeDynamic
        optee.gpu?.design = .heapName("protected,secure-video")
        let fromTEE = try Self.run(optee)
        #expect(fromTEE.probe.summary == "deferred 1× (EPROBE_DEFER); bound when optee bound")

        var hypervisor = TestBoards.hypervisor
        hypervisor.gpu?.design = .heapName("protected,secure-video")
        let fromFFA = try Self.run(hypervisor)
        #expect(fromFFA.probe.summary == "deferred 1× (EPROBE_DEFER); bound when arm_ffa bound")
        #expect(fromTEE.violations.isEmpty && fromFFA.violations.isEmpty)
    }

    /// The phandle design is never probed before its supplier: no EPROBE_DEFER at all.
    @Test func theHeapDeviceIsHeldByItsDeviceLink() throws {
        let report = try Self.run(design: .heapDevice)
        #expect(report.probe.deferrals == 0)
        #expect(report.probe.summary == "held by its device link (no EPROBE_DEFER); bound after dma-buf heaps registered protected-carveout")
        #expect(report.probe.steps.first == "fb000000.gpu: waits for its supplier, heap protected-carveout (device link): not probed yet")
        #expect(!report.probe.steps.contains { $0.contains("deferred") })
    }

    @Test(arguments: [Design.reservedRegion, .userspace])
    func designsWithoutAHeapToFindBindAtOnce(_ design: Design) throws {
        let report = try Self.run(design: design)
        #expect(report.probe.summary == "bound at once" && report.probe.deferrals == 0)
        #expect(report.probe.steps.first == "fb000000.gpu: bound")
        #expect(report.violations.isEmpty)
    }

    /// A GPU driver loaded as a module after the heaps finds every heap up.
    @Test(arguments: Design.allCases)
    func heapsFirstNothingDefers(_ design: Design) throws {
        let report = try Self.run(design: design, order: .heapsFirst)
        #expect(report.probe.order == "heaps-first")
        #expect(report.probe.summary == "bound at once" && report.probe.deferrals == 0)
        #expect(report.probe.steps.last == "fb000000.gpu: bound")
        #expect(report.violations.isEmpty)
    }

    @Test func aHeapThatNeverRegistersFailsTheRunAndSaysWhy() throws {
        var configuration = BoardConfiguration.builtinDefault
        configuration.gpu?.design = .heapName("no-such-heap")
        do {
            _ = try Self.run(configuration)
            Issue.record("the run came up without its heap")
        } catch {
            #expect(error.description.hasPrefix("the GPU did not come up under the heap-by-name design: deferred:"))
            #expect(error.description.contains("\"no-such-heap\" is not registered yet"))
        }
    }

    @Test func compareShowsEachDesignsMeasuredProbe() throws {
        var scenario = Scenario.builtin
        scenario.duration = ScenarioDuration(nanoseconds: 50_000_000)
        let comparison = DesignComparison.run(scenario, configuration: .builtinDefault, firmware: SyntheticFirmware.image)
        #expect(comparison.rows.map(\.probe) == [
            "deferred 1× (EPROBE_DEFER); bound when optee bound",
            "bound at once",
            "held by its device link (no EPROBE_DEFER); bound after dma-buf heaps registered protected-carveout",
            "bound at once",
        ])
        #expect(comparison.table.hasPrefix("scenario builtin-secure-playback-4k60 on protmem-default, probe order link-order\n"))
    }

    @Test func theScenarioChoosesTheOrder() throws {
        let base = "name: s\nduration: 1s\nworkloads:\n  - {kind: trusted-ui, resolution: 1920x1080, frame_rate: 30}\n"
        #expect(try Scenario.parse(base, file: "s.yaml").probeOrder == .linkOrder)
        #expect(try Scenario.parse(base + "probe_order: heaps-first\n", file: "s.yaml").probeOrder == .heapsFirst)
        do {
            _ = try Scenario.parse(base + "probe_order: whenever\n", file: "s.yaml")
            Issue.record("accepted an unknown probe order")
        } catch {
            #expect(error.description.hasPrefix("s.yaml:5:14: probe_order:"), "got: \(error.description)")
        }
    }
}
