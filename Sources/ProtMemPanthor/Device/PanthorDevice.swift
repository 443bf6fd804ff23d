@_spi(CSFHost) import ProtMemCSF
import ProtMemDMABuf
import ProtMemMemory
import ProtMemTime
import Synchronization

/// One Mali CSF GPU with the Panthor driver bound to it, running in virtual time on the
/// board's event queue.
///
/// ## Lifecycle
/// 1. **create** with the board's configuration and environment and the firmware file's bytes;
/// 2. **probe** (directly, or through a ``DeferredProbeQueue`` that retries it when a heap
///    registers): protected memory per the board's design, firmware loaded and booted;
/// 3. under the userspace design, **query** ``protectedMemoryRequirements`` and
///    **install** the firmware's protected buffer;
/// 4. **create VMs, bind** buffers, **create groups** and **submit** jobs; run the event queue;
/// 5. **destroy** groups and VMs, **unplug**: everything allocated is given back.
///
/// Thread-safety: every method may be called from any thread; the device serialises them and
/// its own events behind one lock.
public final class PanthorDevice: Sendable, CustomStringConvertible {
    public let name: String
    public let events: EventQueue
    /// The device's lock and its core (also its events' handler).
    private let owner: OwnerReference

    public init(configuration: PanthorConfiguration, environment: PanthorEnvironment, firmware: [UInt8]) {
        name = configuration.deviceName
        events = environment.events
        owner = OwnerReference(deviceName: configuration.deviceName)
        let channel = environment.events.register(owner)
        owner.core.withLock { core in
            core = PanthorCore(configuration: configuration, environment: environment, firmware: firmware, channel: channel)
        }
    }

    /// A device let go of without ``unplug()`` is unplugged here, as the driver core unbinds a
    /// device that goes away: what it holds (its firmware's protected sections, its VMs'
    /// buffers) is given back rather than left referenced from the kernel's dma-buf list for
    /// ever. The core goes with it: events scheduled before still reach the owner reference,
    /// and from now on find nothing to run on.
    deinit {
        owner.core.withLock { core in
            core?.unplug()
            core = nil
        }
    }

    /// Runs `body` on the core under the device's lock.
    func withCore<T: Sendable>(_ body: (inout PanthorCore) -> T) -> T {
        owner.core.withLock { core in body(&core!) }
    }

    /// An entry point: runs `body` under the lock, then lets waits that became true complete.
    private func perform<T: Sendable, E: Error>(_ body: (inout PanthorCore) throws(E) -> T) throws(E) -> T {
        try owner.core.withLock { (core: inout sending PanthorCore?) throws(E) -> T in
            let result = try body(&core!)
            core!.settle()
            return result
        }
    }

    // MARK: Probe and unplug

    /// See ``PanthorCore/probe()``: `EPROBE_DEFER` while a named heap is missing.
    public func probe() throws(PanthorError) {
        try perform({ (core: inout PanthorCore) throws(PanthorError) in try core.probe() })
    }

    public var isProbed: Bool { withCore { $0.probed && !$0.unplugged } }

    /// Stops the device and gives back everything it holds.
    public func unplug() {
        withCore { $0.unplug() }
    }

    // MARK: Protected memory

    /// The design the board chose, `nil` without protected memory.
    public var protectedMemoryDesign: ProtectedMemoryDesign? { withCore { $0.configuration.protectedMemory.design } }

    /// The proposed DEV_QUERY of the userspace design (its uAPI name is not public yet): what
    /// userspace must allocate, and whether protected mode can be used.
    public var protectedMemoryRequirements: ProtectedMemoryRequirements {
        withCore { core in
            ProtectedMemoryRequirements(firmwareSectionsSize: core.firmwareProtectedSize,
                                        groupSuspendSize: UInt64(core.parameters.protectedSuspendSize),
                                        ready: core.protectedMemoryReady)
        }
    }

    /// Userspace design: the buffer for the firmware's PROT sections.
    public func installProtectedFirmwareBuffer(_ buffer: DMABuf) throws(PanthorError) {
        try perform({ (core: inout PanthorCore) throws(PanthorError) in try core.installProtectedFirmwareBuffer(buffer) })
    }

    /// Whether the firmware's PROT sections have their protected memory (the userspace
    /// design's DEV_QUERY reports it).
    public var firmwareProtectedSectionsPlaced: Bool { withCore { $0.firmware?.protectedSectionsPlaced ?? false } }

    /// Where each firmware section lives.
    public var firmwareSections: [FirmwareSectionPlacement] { withCore { $0.firmware?.placements ?? [] } }
    /// What the driver warned about and carried on from (in the events the trace holds).
    /// Why the probe went on without protected mode although the board names a heap, if it
    /// did: the driver's own line, as `protmem simulate` reports it.
    public var protectedModeOff: String? {
        withCore { $0.protectedModeOff }
    }

    public var warnings: [String] {
        withCore { core in
            (core.firmware?.warnings ?? []) + core.trace.events().compactMap { if case .warning(let text) = $0.kind { text } else { nil } }
        }
    }

    /// The GPU's MMU (the MCU's address space and the contexts), for inspection.
    public var mmu: GPUMMU? { withCore { $0.mmu } }

    // MARK: VMs

    public func createVM() throws(Errno) -> VMHandle {
        try perform({ (core: inout PanthorCore) throws(Errno) in try core.createVM() })
    }

    public func bind(_ buffer: DMABuf, in vm: VMHandle, at va: GPUVirtualAddress, attributes: GPUMappingAttributes = []) throws(Errno) {
        try perform({ (core: inout PanthorCore) throws(Errno) in try core.bind(buffer, in: vm, at: va, attributes: attributes) })
    }

    public func unbind(in vm: VMHandle, at va: GPUVirtualAddress) throws(Errno) {
        try perform({ (core: inout PanthorCore) throws(Errno) in try core.unbind(in: vm, at: va) })
    }

    public func destroyVM(_ vm: VMHandle) throws(Errno) {
        try perform({ (core: inout PanthorCore) throws(Errno) in try core.destroyVM(vm) })
    }

    // MARK: Groups and jobs

    /// `queues` must lie in 1...streamsPerGroup. Under the userspace design
    /// `protectedSuspendBuffer` is required (at least `protm_suspend_size` bytes); under the
    /// others it must be `nil`.
    ///
    /// `protected`: the series' `DRM_PANTHOR_GROUP_CREATE_PROTECTED`; `nil` is the RFC, where
    /// every group gets a protected suspend buffer when the device has protected memory.
    public func createGroup(vm: VMHandle, priority: GroupPriority, queues: Int = 1, protectedSuspendBuffer: DMABuf? = nil,
                            protected: Bool? = nil) throws(Errno) -> GroupHandle {
        try perform({ (core: inout PanthorCore) throws(Errno) in
            try core.createGroup(vm: vm, priority: priority, queueCount: queues, protectedSuspendBuffer: protectedSuspendBuffer, protected: protected)
        })
    }

    public func destroyGroup(_ group: GroupHandle) throws(Errno) {
        try perform({ (core: inout PanthorCore) throws(Errno) in try core.destroyGroup(group) })
    }

    @discardableResult
    public func submit(_ job: consuming GPUJob, to group: GroupHandle, queue: Int = 0) throws(Errno) -> JobHandle {
        // The job (its label and operations) moves through to the queue's ring: the closure
        // takes it out of `pending` rather than copying it, so nothing is retained on the way.
        var pending: GPUJob? = consume job
        return try perform({ (core: inout PanthorCore) throws(Errno) in try core.submit(pending.take()!, to: group, queue: queue) })
    }

    public func jobState(_ job: JobHandle) -> JobState? { withCore { $0.jobState(job) } }

    /// ``jobState(_:)`` without what the job read back or why it failed: plain bits, for a
    /// caller that polls for finished jobs every frame and would otherwise copy and destroy a
    /// whole state (its arrays and strings) each time.
    public func jobProgress(_ job: JobHandle) -> JobProgress? { withCore { $0.jobProgress(job) } }

    public func groupState(_ group: GroupHandle) -> GroupState? { withCore { $0.groups[group]?.state } }

    /// The slot and slot priority of a group that has one.
    public func slot(of group: GroupHandle) -> (slot: Int, priority: UInt8)? {
        withCore { core in core.groups[group].flatMap { g in g.slot.map { ($0, g.slotPriority ?? 0) } } }
    }

    /// The group's protected suspend buffer, when it has one.
    public func protectedSuspendBuffer(of group: GroupHandle) -> ProtectedAllocation? {
        withCore { $0.groups[group]?.protectedSuspendBuffer }
    }

    public var liveGroups: [GroupHandle] { withCore { $0.groups.keys.sorted() } }

    // MARK: Observation and injection

    /// `GPU_STATUS`.
    public var gpuStatus: GPUStatus { withCore { $0.gpu.registers.status } }
    /// Every event the device has recorded, or, after ``streamTrace(_:)``, those it still holds.
    public var trace: [PanthorTraceEvent] { withCore { $0.trace.events() } }
    /// How many events the device has recorded, held or streamed. The trace only grows, so
    /// `tracePrefix(count)` later is the trace as it was now, without holding a copy that the
    /// next event would have to duplicate.
    public var traceCount: Int { withCore { $0.trace.count } }
    /// The first `count` events of the trace (of those held, after ``streamTrace(_:)``), read
    /// in place rather than copied into an array: for one walk over a long trace (a run's
    /// report).
    public func tracePrefix(_ count: Int) -> PanthorTracePrefix { withCore { $0.trace.prefix(count) } }

    /// Streams the trace, for a run too long to hold it: from now on, every 1024 events, the
    /// oldest full batch goes to `consumer` and the device forgets it, so the device holds at
    /// most 2048 events however long it runs. `consumer` is called while the device records
    /// the next event, under its lock: it must only read the events, never call the device.
    /// ``trace``, ``tracePrefix(_:)`` and ``warnings`` then see only the events still held.
    public func streamTrace(_ consumer: @escaping @Sendable (PanthorTracePrefix) -> Void) {
        withCore { $0.trace.stream(to: consumer) }
    }

    /// Keeps every event from now on again (those already streamed stay forgotten).
    public func stopStreamingTrace() {
        withCore { $0.trace.stream(to: nil) }
    }

    /// Jobs the queues' rings hold, finished ones not yet forgotten included: for tests of
    /// long runs.
    package var heldJobs: Int {
        withCore { core in
            var held = 0
            for rings in core.gpu.rings.values { held += rings.heldJobs }
            return held
        }
    }
    public var metrics: PanthorMetrics {
        withCore { core in
            // The firmware counts what it did (entries, exits, faults, jobs run), the driver the rest.
            var metrics = core.metrics
            let firmware = core.mcu.metrics
            metrics.protectedModeEntries += firmware.protectedModeEntries
            metrics.protectedModeExits += firmware.protectedModeExits
            metrics.protectedModeFaults += firmware.protectedModeFaults
            metrics.jobsCompleted += firmware.jobsCompleted
            metrics.jobsFailed += firmware.jobsFailed
            metrics.protectedModeTime = metrics.protectedModeTime + firmware.protectedModeTime
            return metrics
        }
    }

    /// Checks the invariants of the device's core and of the storage types it holds (its
    /// trace, the firmware state's slot arrays, the GPU's translation cache), under its lock:
    /// `precondition`s, so a release build checks too. For tests.
    package func _checkInvariants() {
        withCore { $0._checkInvariants() }
    }
    /// The global interface pages of the firmware's shared section.
    public var globalInterface: GlobalInterface { withCore { $0.gpu.interface.global } }
    /// One CSG slot's interface pages.
    public func groupInterface(slot: Int) -> GroupInterface? {
        withCore { core in core.gpu.interface.groups.indices.contains(slot) ? core.gpu.interface.groups[slot] : nil }
    }

    /// System suspend (`panthor_device_suspend`): the groups on slots are suspended, then the
    /// MCU halts. Returns `false` when the device is not on (not probed, resetting, asleep).
    @discardableResult
    public func suspend() -> Bool { perform { $0.suspend() } }

    /// System resume (`panthor_device_resume`): the MCU restarts and the groups come back.
    /// Returns `false` when the device was not suspended.
    @discardableResult
    public func resume() -> Bool { perform { $0.resume() } }

    /// Where the device stands with system sleep.
    public var powerState: PanthorPowerState { withCore { $0.power } }

    public func inject(_ fault: PanthorFaultInjection) {
        withCore { core in
            switch fault {
            case .ignoreNextProtectedModeEnter:
                core.mcu.ignoreNextProtectedModeEnter()
            case .protectedModeFault:
                let now = core.now
                core.mcu.injectProtectedModeFault(now: now, gpu: &core.gpu)
                core.carryOutFirmwareActions()
            }
            core.settle()
        }
    }

    public var description: String { "Panthor GPU \(name)" }
}

/// What the driver needs from userspace under the userspace design (and reports under every
/// design).
public struct ProtectedMemoryRequirements: Hashable, Sendable {
    /// Bytes of all the firmware's PROT sections: one buffer of at least this size.
    public let firmwareSectionsSize: UInt64
    /// `protm_suspend_size`: one buffer of at least this size per group.
    public let groupSuspendSize: UInt64
    /// Whether protected mode can be entered now.
    public let ready: Bool
}
