import ProtMemBoard
import ProtMemPanthor
import ProtMemReport
import ProtMemSimulation
import Testing

/// How the heap-by-name design finds its heap, as the RFC, the May 2026 series and its review
/// each have it, and what the probe does while the heap is missing: chosen by the scenario,
/// shown in the boot's steps.
@Suite struct HeapLookupTests {
    /// 100 ms of trusted UI on the built-in board, whose heaps register after the GPU probes
    /// under `link-order`.
    static func scenario(_ fields: String, order: String = "link-order") throws -> Scenario {
        try Scenario.parse("""
        name: lookup
        duration: 100ms
        probe_order: \(order)
        \(fields)
        workloads:
          - {kind: trusted-ui, resolution: 1920x1080, frame_rate: 60}
        """)
    }

    static func run(_ scenario: Scenario) throws -> RunReport {
        try Simulation(scenario: scenario, configuration: .builtinDefault).run().report
    }

    @Test func theDefaultIsTheRFCsDeferredProbe() throws {
        let scenario = try Self.scenario("")
        #expect(scenario.heapLookup == ProtectedHeapLookup(source: .rfc, whenMissing: .deferProbe))
        let report = try Self.run(scenario)
        #expect(report.probe.deferrals == 1)
        #expect(report.probe.steps.last == "fb000000.gpu: bound")
        #expect(report.probe.summary == "deferred 1× (EPROBE_DEFER from its probe); bound at late_initcall")
        #expect(report.protectedMode.entries > 0)
    }

    /// Patch 4: the module parameter names the heap; missing, it defers like the RFC's property.
    @Test func theSeriesModuleParameterDefersWhileItsHeapIsMissing() throws {
        let report = try Self.run(try Self.scenario("heap_source: module-param\nprotected_heap_name: protected-carveout"))
        #expect(report.probe.steps.first == "fb000000.gpu: probe deferred (EPROBE_DEFER): protected heap \"protected-carveout\" is not registered (protected_heap_name) yet")
        #expect(report.probe.steps.last == "fb000000.gpu: bound")
        #expect(report.protectedMode.entries > 0)
    }

    /// An empty `protected_heap_name` is no protected mode: the probe goes on at once, and the
    /// trusted UI's protected frames never run.
    @Test func anEmptyModuleParameterTurnsProtectedModeOff() throws {
        let report = try Self.run(try Self.scenario("heap_source: module-param\nprotected_heap_name: \"\""))
        #expect(report.probe.deferrals == 0)
        #expect(report.probe.steps.first == "fb000000.gpu: bound without protected mode (protected_heap_name is empty: no protected mode)")
        #expect(report.protectedMode.entries == 0)
    }

    /// Boris Brezillon's question: carry on without protected mode rather than defer.
    @Test func carryingOnBootsWithoutProtectedMode() throws {
        let report = try Self.run(try Self.scenario("missing_heap: carry-on"))
        #expect(report.probe.deferrals == 0)
        #expect(report.probe.steps.first == "fb000000.gpu: bound without protected mode (protected heap \"protected-carveout\" is not registered: no protected mode)")
        #expect(report.probe.summary == "bound at once without protected mode")
        #expect(report.protectedMode.entries == 0)
        #expect(report.devices.first { $0.name == "fb000000.gpu" }?.work == 0, "no protected frame runs")
        // With the heap there first, the same choice changes nothing.
        let first = try Self.run(try Self.scenario("missing_heap: carry-on", order: "heaps-first"))
        #expect(first.probe.steps.last == "fb000000.gpu: bound")
        #expect(first.protectedMode.entries > 0)
    }

    /// The shipped scenario shows the series' lookup carrying on: bound at once, no protected
    /// frame run, and the defer it replaces would have brought protected mode up.
    @Test func theShippedCarryOnScenarioShowsWhatItCosts() throws {
        var scenario = try SimulationTests.scenario("series-heap-missing-carry-on.yaml")
        #expect(scenario.heapLookup == ProtectedHeapLookup(source: .moduleParameter, whenMissing: .withoutProtectedMode, moduleParameter: "protected-carveout"))
        let report = try Self.run(scenario)
        #expect(report.probe.summary == "bound at once without protected mode")
        #expect(report.protectedMode.entries == 0)
        #expect(report.devices.first { $0.name == "fb000000.gpu" }?.work == 0)
        scenario.heapLookup.whenMissing = .deferProbe
        let deferred = try Self.run(scenario)
        #expect(deferred.probe.summary == "deferred 1× (EPROBE_DEFER from its probe); bound at late_initcall")
        #expect(deferred.protectedMode.entries > 0)
    }

    /// Pixel's kbase answers ENODEV: under link order the GPU is lost, and the run says why.
    @Test func enodevLosesTheGPUUnderLinkOrder() throws {
        #expect {
            _ = try Self.run(try Self.scenario("missing_heap: enodev"))
        } throws: { error in
            let text = "\(error)"
            return text.contains("the GPU did not come up under the heap-by-name design; the boot: "
                                 + "fb000000.gpu: probe failed (ENODEV): protected heap \"protected-carveout\" is not registered; not retried")
        }
        let first = try Self.run(try Self.scenario("missing_heap: enodev", order: "heaps-first"))
        #expect(first.probe.steps.last == "fb000000.gpu: bound")
    }

    @Test func badFieldsNameTheirChoices() {
        #expect {
            _ = try Self.scenario("heap_source: modparam")
        } throws: { "\($0)".contains("heap_source: unknown heap source \"modparam\"; expected one of rfc, module-param, device-tree") }
        #expect {
            _ = try Self.scenario("missing_heap: retry")
        } throws: { "\($0)".contains("unknown missing-heap behaviour \"retry\"; expected one of defer, enodev, carry-on") }
        #expect {
            _ = try Self.scenario("protected_heap_name: x")
        } throws: { "\($0)".contains("protected_heap_name is the module parameter of heap_source: module-param, not of rfc") }
    }

    /// The lookup's own rules: where the name comes from and how it is compared.
    @Test func namesAndMatching() {
        let parameter = ProtectedHeapLookup(source: .moduleParameter, moduleParameter: "protected,secure-video")
        #expect(parameter.name(deviceTree: "protected-carveout") == "protected,secure-video")
        #expect(ProtectedHeapLookup(source: .moduleParameter).name(deviceTree: "protected-carveout") == "protected-carveout")
        #expect(ProtectedHeapLookup(source: .moduleParameter, moduleParameter: "").name(deviceTree: "protected-carveout") == nil)
        #expect(ProtectedHeapLookup(source: .rfc).name(deviceTree: "x") == "x")
        // sysfs_streq: one trailing newline on either side, nothing else.
        let reviewed = ProtectedHeapLookup(source: .deviceTree)
        #expect(reviewed.matches("protected-carveout", "protected-carveout\n"))
        #expect(reviewed.matches("protected-carveout\n", "protected-carveout"))
        #expect(!reviewed.matches("protected-carveout", "protected-carveout\n\n"))
        #expect(!reviewed.matches("protected-carveout", "Protected-carveout"))
        #expect(!ProtectedHeapLookup(source: .rfc).matches("protected-carveout", "protected-carveout\n"))
    }

    /// Chia-I Wu's report, run: an ordinary buffer handed in as the firmware's protected
    /// sections boots, and faults only at protected-mode entry: every entry, as the client
    /// makes a new group after each reset and asks again; the protected heap's buffer runs
    /// clean.
    @Test func anOrdinaryFirmwareBufferFaultsOnlyAtProtectedModeEntry() throws {
        var scenario = try SimulationTests.scenario("userspace-firmware-buffer-not-protected.yaml")
        #expect(scenario.firmwareBufferHeap == "system")
        let report = try Self.run(scenario)
        #expect(report.probe.summary == "bound at once")
        // One entry, one fault and one reset for each of the six 30 Hz frames in 200 ms.
        #expect(report.protectedMode.entries == 6)
        #expect(report.faults.filter { $0.contains("mali-protected-output") && $0.contains("which is not protected memory") }.count == 6)
        #expect(report.faults.filter { $0.contains("GPU Fault in protected mode") }.count == 6)
        #expect(report.violations.isEmpty)
        #expect(scenario.expect.map { $0.judge(report).met } == true)
        scenario.firmwareBufferHeap = nil
        let clean = try Self.run(scenario)
        #expect(clean.faults.isEmpty && clean.protectedMode.entries > 1)
    }

    @Test func aFirmwareBufferHeapTheBoardLacksIsTheScenariosError() throws {
        var scenario = try SimulationTests.scenario("userspace-firmware-buffer-not-protected.yaml")
        scenario.firmwareBufferHeap = "no-such-heap"
        #expect { _ = try Self.run(scenario) } throws: { "\($0)".contains("board protmem-default has no heap \"no-such-heap\"") }
    }
}

/// `heap_source: userspace-import` selects Boris Brezillon's proposal, and nothing else may
/// claim the scenario's design at the same time.
@Suite struct UserspaceImportHeapSourceTests {
    static func scenario(_ extra: String) throws -> Scenario {
        try Scenario.parse("""
        name: s
        duration: 100ms
        \(extra)
        workloads:
          - kind: secure-playback
            resolution: 1920x1080
            frame_rate: 30
            buffers: 4
        """)
    }

    @Test func theHeapSourceSelectsTheUserspaceImportDesign() throws {
        #expect(try Self.scenario("heap_source: userspace-import").design == .userspace)
        #expect(try Self.scenario("design: userspace").design == .userspace)
        #expect(Design.userspace.rawValue == "userspace-import")
    }

    @Test func aClashingDesignOrAnUnknownSourceIsAnError() {
        #expect {
            try Self.scenario("heap_source: userspace-import\ndesign: heap-by-name")
        } throws: { error in
            "\(error)".contains("heap_source: userspace-import is the userspace-import design, not design heap-by-name")
        }
        #expect {
            try Self.scenario("heap_source: userspce-import")
        } throws: { error in
            "\(error)".contains("expected one of rfc, module-param, device-tree, userspace-import")
        }
    }
}
