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

    /// Built in, `gpu/` links before `dma-buf/` and `tee/`: the GPU asks for its heap first and
    /// defers; optee's bind retries nothing (deferred probing is off until `late_initcall`),
    /// so `late_initcall` brings it up.
    @Test func byNameTheBuiltInGPUDefersUntilLateInitcall() throws {
        let report = try Self.run()
        #expect(report.probe.order == "link-order")
        #expect(report.probe.deferrals == 1)
        #expect(report.probe.summary == "deferred 1× (EPROBE_DEFER from its probe); bound at late_initcall")
        #expect(report.probe.steps == [
            "fb000000.gpu: probe deferred (EPROBE_DEFER): protected heap \"protected-carveout\" is not registered yet",
            "dma-buf heaps: registered system, linux,cma, protected-carveout",
            "optee: registered protected,secure-video; its device bound",
            "late_initcall: deferred probing enabled, deferred probes retried",
            "fb000000.gpu: bound",
        ])
        #expect(report.protectedMode.entries == 3 && report.violations.isEmpty)
    }

    /// Modules after boot, the GPU's first: a bind retries at once, but the carve-out heap's
    /// registration binds nothing, so the GPU waits for optee's bind; with no later bind at
    /// all it never comes up, and the run says why.
    @Test func asAModuleTheGPUWaitsForTheNextBind() throws {
        let report = try Self.run(order: .gpuModuleFirst)
        #expect(report.probe.summary == "deferred 1× (EPROBE_DEFER from its probe); bound when optee bound")
        #expect(report.probe.steps.firstIndex(of: "driver core: deferred probes retried (optee bound)")
                == report.probe.steps.firstIndex { $0.hasPrefix("optee:") }.map { $0 + 1 })

        var hypervisor = TestBoards.hypervisor
        hypervisor.gpu?.design = .heapName("protected,secure-video")
        #expect(try Self.run(hypervisor, order: .gpuModuleFirst).probe.summary == "deferred 1× (EPROBE_DEFER from its probe); bound when arm_ffa bound")

        var noLaterBind = BoardConfiguration.builtinDefault
        noLaterBind.optee = nil
        do {
            _ = try Self.run(noLaterBind, order: .gpuModuleFirst)
            Issue.record("the GPU came up with nothing to retry its probe")
        } catch {
            #expect(error.description.hasPrefix("the GPU did not come up under the heap-by-name design: deferred:"), "got: \(error.description)")
        }
    }

    @Test func aFirmwareHeapBuiltInAlsoWaitsForLateInitcall() throws {
        var optee = TestBoards.opteeDynamic
        optee.gpu?.design = .heapName("protected,secure-video")
        let report = try Self.run(optee)
        #expect(report.probe.summary == "deferred 1× (EPROBE_DEFER from its probe); bound at late_initcall")
        #expect(!report.probe.steps.contains { $0.hasPrefix("driver core:") }, "no bind retries during boot")
        #expect(report.violations.isEmpty)
    }

    /// The phandle design's probe never runs before its supplier binds: the driver core defers
    /// it ("wait for supplier"), so the driver never looks for a heap that is not there.
    @Test func theHeapDeviceIsHeldByItsDeviceLink() throws {
        let builtIn = try Self.run(design: .heapDevice)
        #expect(builtIn.probe.deferrals == 1)
        #expect(builtIn.probe.summary == "deferred 1× by the driver core (wait for supplier /protected-heap); bound at late_initcall")
        #expect(builtIn.probe.steps.first == "fb000000.gpu: deferred by the driver core: wait for supplier /protected-heap (probe not called)")
        #expect(!builtIn.probe.steps.contains { $0.contains("EPROBE_DEFER") })

        let module = try Self.run(design: .heapDevice, order: .gpuModuleFirst)
        #expect(module.probe.summary == "deferred 1× by the driver core (wait for supplier /protected-heap); bound when /protected-heap bound")
        #expect(module.violations.isEmpty)
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
            "deferred 1× (EPROBE_DEFER from its probe); bound at late_initcall",
            "bound at once",
            "deferred 1× by the driver core (wait for supplier /protected-heap); bound at late_initcall",
            "bound at once",
        ])
        #expect(comparison.table.hasPrefix("scenario builtin-secure-playback-4k60 on protmem-default, probe order link-order, seed 1, reserved regions per-device\n"))
        // The boot's attempts, measured: a deferral and the bind, or the bind alone.
        #expect(comparison.rows.map(\.probeAttempts) == [2, 1, 2, 1])
    }

    @Test func theScenarioChoosesTheOrder() throws {
        let base = "name: s\nduration: 1s\nworkloads:\n  - {kind: trusted-ui, resolution: 1920x1080, frame_rate: 30}\n"
        #expect(try Scenario.parse(base, file: "s.yaml").probeOrder == .linkOrder)
        #expect(try Scenario.parse(base + "probe_order: heaps-first\n", file: "s.yaml").probeOrder == .heapsFirst)
        #expect(try Scenario.parse(base + "probe_order: gpu-module-first\n", file: "s.yaml").probeOrder == .gpuModuleFirst)
        do {
            _ = try Scenario.parse(base + "probe_order: whenever\n", file: "s.yaml")
            Issue.record("accepted an unknown probe order")
        } catch {
            #expect(error.description == "s.yaml:5:14: error: probe_order: unknown probe order \"whenever\"; expected one of link-order, heaps-first, gpu-module-first",
                    "got: \(error.description)")
        }
    }
}
