import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemPanthor
import ProtMemReport
import ProtMemTEE
import ProtMemTime

/// One run of a scenario on a board, in virtual time, on one thread: boot the board, probe
/// the GPU under the chosen design, start the workloads, run the clock to the scenario's end,
/// stop the workloads, and check that everything came back.
///
/// Nothing reads the wall clock and the only randomness is the scenario's seed, so one seed
/// gives one report and one trace, byte for byte.
public struct Simulation: Sendable {
    public let scenario: Scenario
    public let configuration: BoardConfiguration
    public let design: Design
    public let seed: UInt64
    public let firmware: [UInt8]
    /// Runs the invariant checker's structural checks after every event (slow; for tests).
    public var checkEveryEvent = false
    /// Whether the run records its trace (``SimulationResult/trace``). A trace holds events
    /// for every frame, so it grows with simulated time; without it (a report alone, as
    /// `protmem simulate` without `--trace` makes) the result's trace is empty and the run's
    /// memory stays bounded however long it simulates. The report is the same either way.
    public var recordsTrace = true
    /// Virtual times at which to take debugfs `dma_buf/bufinfo` (``SimulationResult/bufinfo``),
    /// each after every event due at or before it; none after the scenario's end.
    /// A time after the scenario's end takes the board as the run ended, before the wind-down.
    public var bufinfoTimes: [ScenarioDuration] = []
    /// What the report keeps of long series (``RunLimits``).
    package var limits = RunLimits()
    /// Which region the reserved-region design's GPU points at (``ReservedRegionLayout``).
    public var reservedRegions: ReservedRegionLayout = .perDevice
    /// Protected pools to set aside at these sizes (bytes, by ``ProtectedPool/name``) instead
    /// of the board's: what ``CapacitySearch`` varies. Empty: the board's own sizes.
    public var protectedSizes: [String: UInt64] = [:]
    /// Told of the run's first failure (a capacity search's).
    var firstFailure: FirstFailureWatch?

    public init(scenario: Scenario, configuration: BoardConfiguration, design: Design? = nil, seed: UInt64? = nil, firmware: [UInt8] = SyntheticFirmware.image) {
        self.scenario = scenario
        self.configuration = configuration
        self.design = design ?? scenario.design
        self.seed = seed ?? scenario.seed
        self.firmware = firmware
    }

    public func run(progress: ProgressReporter? = nil) throws(SimulationError) -> SimulationResult {
        try run(progress: progress, showingBoard: nil)
    }

    /// ``run(progress:)``, showing the board it builds to `show` first: for tests that check
    /// the board is gone once the run returns.
    package func run(progress: ProgressReporter?, showingBoard show: ((Board) -> Void)?) throws(SimulationError) -> SimulationResult {
        // The watch's measure holds the board: let go of it however the run ends.
        defer { firstFailure?.measure = nil }
        do {
            return try runOnce(progress: progress, showingBoard: show)
        } catch {
            firstFailure?.fire(error.description, at: 0)
            throw error
        }
    }

    private func runOnce(progress: ProgressReporter?, showingBoard show: ((Board) -> Void)?) throws(SimulationError) -> SimulationResult {
        let (applied, heapName, userspace) = try design.apply(to: Self.choosingAllocators(scenario.allocators, on: configuration), layout: reservedRegions)
        let configured = protectedSizes.isEmpty ? applied : try applied.resizingProtectedPools(protectedSizes)
        let pools = configured.protectedPools
        let regionUse = userspace ? nil : configured.gpuOwnRegion.map { GPURegionUse(name: $0.name, region: $0.range) }
        let board: Board
        do {
            board = try Board(configured, registeringHeaps: false)
        } catch {
            throw SimulationError("\(error)")
        }
        show?(board)
        try Self.checkHeapNames(scenario.workloads, on: board)
        if let heap = scenario.firmwareBufferHeap { try Self.checkHeapName(heap, on: board, field: ["firmware_buffer_heap"]) }
        for (index, heap) in scenario.unavailableHeaps.enumerated() { try Self.checkHeapName(heap, on: board, field: ["unavailable_heaps", String(index)]) }
        for (index, fault) in scenario.injectedFaults.enumerated() {
            if let heap = fault.heap { try Self.checkHeapName(heap, on: board, field: ["inject", String(index), "heap"]) }
        }
        let checker = InvariantChecker(board: board)
        checker.install()
        defer { checker.uninstall() }
        let events = EventQueue()
        let end = VirtualInstant(nanoseconds: scenario.duration.nanoseconds)
        // Every buffer and every heap's occupancy from the boot on, whoever allocates.
        let deviceUse = DeviceUse(pools: Set(pools.map(\.name)))
        let recorder = Recorder(recordsTrace: recordsTrace, limits: limits, firstFailure: firstFailure, deviceUse: deviceUse)
        firstFailure?.measure = { [board] in Self.poolStates(board, pools: pools, region: regionUse) }
        let accounting = HeapAccounting(registry: board.heaps, events: events, recorder: recorder, deviceUse: deviceUse)
        accounting.install()
        defer { accounting.uninstall() }

        // What every heap has free before the boot: a run that ends elsewhere leaked (the GPU
        // may allocate from the page allocator before the system heap registers).
        let start = BoardStart(free: Dictionary(uniqueKeysWithValues: board.unregisteredHeaps.map { ($0.name, $0.ops.statistics.free) }))
        var supplier: (path: String, heap: String)?
        if !userspace, case .heapDevice(let device) = configured.gpu?.design { supplier = (device.path, device.heapName) }
        var boot = KernelBoot(board: board, order: scenario.probeOrder, supplier: supplier, gpuName: configured.gpu?.deviceName ?? "gpu") { () throws(SimulationError) in
            do {
                return try board.makeGPU(firmware: firmware, events: events, userspaceProtectedMemory: userspace, heapLookup: scenario.heapLookup,
                                         protectedModeScheduling: scenario.protectedModeScheduling)
            } catch {
                throw SimulationError("the GPU did not come up under the \(design.rawValue) design: \(error)")
            }
        }
        boot.unavailableHeaps = Set(scenario.unavailableHeaps)
        boot.unavailableProviders = Set(scenario.unavailableProviders)
        let booted = try boot.run(designName: design.rawValue)
        let gpu = booted.gpu
        let gpuReady = events.now.rawValue
        regionUse?.booted(gpu)
        recorder.deviceProcesses[gpu.name] = "gpu"
        deviceUse.alias(gpu.name, as: "gpu")
        recorder.busFaults = board.bus.faults
        accounting.settle()
        var firmwareBuffer: DMABuf?
        let ledger = scenario.injectedFaults.isEmpty ? nil : FrameLedger()
        let context = SimulationContext(board: board, events: events, seed: seed, gpu: gpu, protectedHeap: heapName, end: end, userspaceDesign: userspace,
                                        recorder: recorder, frames: ledger)
        let injector = ledger.map { FaultInjector(context: context, faults: scenario.injectedFaults, ledger: $0, defaultHeap: heapName) }
        // Without a trace to write, the GPU's trace is tallied as it goes and forgotten.
        let protectedMode = ProtectedModeTally(periods: limits.protectedPeriods)
        if !recordsTrace { gpu.streamTrace { batch in protectedMode.consume(batch) } }
        for step in booted.steps { context.recorder.instant(step, category: "probe", process: "boot", at: events.now) }
        if userspace {
            firmwareBuffer = context.allocate(gpu.protectedMemoryRequirements.firmwareSectionsSize, from: scenario.firmwareBufferHeap ?? heapName,
                                              owner: "gpu", name: "fw protected sections")
            if let firmwareBuffer {
                do { try gpu.installProtectedFirmwareBuffer(firmwareBuffer) } catch { context.recorder.fault("gpu", "installing the firmware buffer: \(error)", at: events.now) }
            }
        }
        let workloads: [any SimulatedWorkload] = scenario.workloads.map(Self.make)
        for (index, workload) in workloads.enumerated() {
            do {
                try workload.start(context)
            } catch {
                firstFailure?.fire("workloads[\(index)] (\(workload.name)): \(error)", at: events.now.rawValue)
                // Give back what the failed start and those before it hold (a workload's
                // scheduled tick holds the workload until it finishes).
                for started in workloads[...index].reversed() { started.finish(context) }
                // Then the GPU unplugs (failing what a half-made group left queued) and what
                // the finishes scheduled runs (a process's exit), so nothing the queue holds
                // keeps the board, its devices or a process alive after the error.
                if let firmwareBuffer { context.free(firmwareBuffer) }
                gpu.unplug()
                _ = events.runUntilEmpty(limit: 1_000_000)
                throw error
            }
        }
        injector?.start()
        accounting.settle()
        regionUse?.sample(gpu)

        // Each violation once, however many checks find it again.
        var violations = ViolationList()
        func run(until time: VirtualInstant) {
            while events.runNext(notAfter: time) {
                accounting.settle()
                regionUse?.sample(gpu)
                progress?.update(events.now.rawValue)
                if checkEveryEvent { violations.add(checker.check()) }
            }
        }
        // Each snapshot sees everything due at or before its time, and nothing after.
        var bufinfo: [BufinfoSnapshot] = []
        for time in bufinfoTimes.map({ min(VirtualInstant(nanoseconds: $0.nanoseconds), end) }).sorted() {
            run(until: time)
            bufinfo.append(BufinfoSnapshot(time: time.rawValue, text: board.dmaBufs.bufinfo()))
        }
        run(until: end)
        // The time is up at the scenario's end, however long before it the last event ran.
        _ = events.run(until: end)
        progress?.finish()
        let shortfalls = workloads.enumerated().compactMap { index, workload in
            workload.shortfall(context).map { RunReport.Shortfall(workload: "workloads[\(index)] (\(workload.name))", operationsAsked: $0.asked,
                                                                  operationsDone: $0.done, reason: $0.reason) }
        }
        // What the GPU records from here on (the wind-down) is kept, and not tallied.
        if !recordsTrace { gpu.stopStreamingTrace() }
        accounting.settle()
        let atEnd = HeapMeasure.take(board)
        var report = RunReport(scenario: scenario.name, board: board.name, design: design.rawValue, seed: seed, duration: end.rawValue)
        report.shortfalls = shortfalls
        report.injectedFaults = ledger?.outcomes ?? []
        report.probe = RunReport.Probe(order: scenario.probeOrder.rawValue, summary: booted.summary, deferrals: booted.deferrals, steps: booted.steps)
        Self.describePool(board, heapName, into: &report)
        violations.add(checker.check(scanFreeMemory: true))
        let metricsAtEnd = gpu.metrics
        // The GPU's trace as the scenario ended; the wind-down's events come after it.
        let gpuTraceAtEnd = gpu.tracePrefix(gpu.traceCount)
        protectedMode.consume(gpuTraceAtEnd)
        var footprint = RunFootprint()
        footprint.traceEntries = context.recorder.traceEntries
        footprint.gpuTraceEvents = gpuTraceAtEnd.count
        footprint.gpuJobs = gpu.heldJobs
        footprint.occupancySamples = context.recorder.occupancySampleCount
        footprint.protectedPeriods = protectedMode.intervals.elements.count
        footprint.recordedFaults = context.recorder.faults.count
        footprint.busFaults = board.bus.faults.faults.count

        // Wind down: workloads give back, the GPU unplugs; then everything must be as at boot.
        recorder.windingDown = true
        injector?.finish()
        _ = context.gpu?.resume()
        deviceUse.freeze()
        for workload in workloads.reversed() { workload.finish(context) }
        if let firmwareBuffer { context.free(firmwareBuffer) }
        _ = events.runUntilEmpty(limit: 1_000_000)
        gpu.unplug()
        accounting.settle()
        recorder.closeOpenBuffers(at: events.now)
        let afterTeardown = HeapMeasure.take(board, since: start)
        violations.add(start.leaks(board))

        Self.fill(&report, board: board, metrics: metricsAtEnd, gpuName: gpu.name, protectedMode: protectedMode, context: context, atEnd: atEnd,
                  afterTeardown: afterTeardown, violations: violations.found)
        report.protectedMode.scheduling = scenario.protectedModeScheduling.rawValue
        report.expectation = (scenario.expect ?? Scenario.Expectation()).judge(report, stated: scenario.expect != nil)
        var result = recordsTrace
            ? SimulationResult(report: report, footprint: footprint, eventsRun: events.executedCount) { Self.trace(recorder, gpuTrace: gpuTraceAtEnd) }
            : SimulationResult(report: report, footprint: footprint, eventsRun: events.executedCount) { [] }
        result.bufinfo = bufinfo
        result.gpuReadyNanoseconds = gpuReady
        result.probeAttempts = booted.attempts
        result.pools = pools.map { pool in
            if pool.kind == .gpuMemoryRegion {
                let peak = regionUse?.name == pool.name ? regionUse!.peak : 0
                return PoolUse(pool: pool, peakBytes: peak, devicePeaks: peak > 0 ? [PoolUse.DevicePeak(device: "gpu", peakBytes: peak)] : [])
            }
            let peaks = deviceUse.peaks(of: pool.name).sorted { $0.key < $1.key }.map { PoolUse.DevicePeak(device: $0.key, peakBytes: $0.value) }
            return PoolUse(pool: pool, peakBytes: report.heaps.first { $0.name == pool.name }?.peakBytes ?? 0, devicePeaks: peaks)
        }
        return result
    }

    /// Every heap a workload names is one the board has (registered or still to register):
    /// a misspelt heap is the scenario's error, found before the boot, not an `ENOENT` from
    /// the first `open` of its device node.
    static func checkHeapNames(_ workloads: [Workload], on board: Board) throws(SimulationError) {
        for (index, workload) in workloads.enumerated() {
            let named: String?
            switch workload {
            case .securePlayback(let stream), .secureRecord(let stream): named = stream.heap
            case .trustedUI(let ui): named = ui.heap
            case .churn(let churn): named = churn.heap
            case .renderNodeClient(let client): named = client.heap
            case .mixedGPU: named = nil
            }
            var fields: [(key: String, heap: String)] = named.map { [("heap", $0)] } ?? []
            if case .secureRecord(let stream) = workload, let bitstream = stream.bitstreamHeap { fields.append(("bitstream_heap", bitstream)) }
            for (key, heap) in fields { try checkHeapName(heap, on: board, field: ["workloads", String(index), key]) }
        }
    }

    /// `configuration` with each carve-out that `allocators` names on the allocator it gives;
    /// a name that is no carve-out heap of the board is an error at `allocators.<name>`.
    static func choosingAllocators(_ allocators: [String: PoolAllocatorKind], on configuration: BoardConfiguration) throws(SimulationError) -> BoardConfiguration {
        var chosen = configuration
        for (heap, kind) in allocators.sorted(by: { $0.key < $1.key }) {
            guard let index = chosen.carveouts.firstIndex(where: { $0.heapName == heap }) else {
                let names = configuration.carveouts.map { "\"\($0.heapName)\"" }
                throw SimulationError("board \(configuration.name) has no carve-out heap \"\(heap)\" to choose an allocator for; "
                                      + (names.isEmpty ? "it has no carve-out heaps" : "its carve-out heaps are \(names.joined(separator: ", "))"),
                                      field: ["allocators", heap])
            }
            chosen.carveouts[index].allocator = kind
        }
        return chosen
    }

    /// `heap`, which the scenario names at `field`, is one the board has.
    static func checkHeapName(_ heap: String, on board: Board, field: [String]) throws(SimulationError) {
        let names = board.heaps.heaps.map(\.name) + board.unregisteredHeaps.map(\.name)
        guard !names.contains(heap) else { return }
        throw SimulationError("board \(board.name) has no heap \"\(heap)\"; its heaps are \(names.map { "\"\($0)\"" }.joined(separator: ", "))", field: field)
    }

    static func make(_ workload: Workload) -> any SimulatedWorkload {
        switch workload {
        case .securePlayback(let stream): SecurePlaybackWorkload(stream)
        case .secureRecord(let stream): SecureRecordWorkload(stream)
        case .trustedUI(let ui): TrustedUIWorkload(ui)
        case .mixedGPU(let mixed): MixedGPUWorkload(mixed)
        case .churn(let churn): ChurnWorkload(churn)
        case .renderNodeClient(let client): RenderNodeClientWorkload(client)
        }
    }
}

/// The board as it booted: what every heap had free, and no buffer. A run that ends
/// elsewhere leaked.
struct BoardStart {
    /// Each heap's free bytes before the boot.
    let free: [String: UInt64]

    func leaks(_ board: Board) -> [InvariantViolation] {
        var found: [InvariantViolation] = []
        for buffer in board.dmaBufs.buffers {
            found.append(InvariantViolation(kind: .accounting, detail: "\(buffer) (\(buffer.name ?? "unnamed")) still live after every workload stopped"))
        }
        for heap in board.heaps.heaps {
            let now = heap.ops.statistics.free
            if let before = free[heap.name], before != now {
                found.append(InvariantViolation(kind: .accounting, detail: "heap \(heap.name) ends with \(now) bytes free, began with \(before)"))
            }
        }
        return found
    }
}

/// Violations in the order first found, each once: the checks report what they find every
/// time they run (a protected buffer left open stays open; the content checks' findings are
/// in every answer after them).
struct ViolationList {
    private(set) var found: [InvariantViolation] = []
    private var seen: Set<InvariantViolation> = []

    mutating func add(_ violations: [InvariantViolation]) {
        for violation in violations where seen.insert(violation).inserted { found.append(violation) }
    }
}
