import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemTime
import Synchronization

/// Everything one Panthor GPU and its driver keep, behind the device's one lock: the hardware
/// registers, the firmware model, and the driver's firmware, groups and scheduler.
///
/// The simulation runs on the event queue, one event at a time, each event holding the lock
/// for the whole of its step; the bus, heaps and queue it calls never call back into it, so
/// the lock is never taken twice (hence `@unchecked Sendable`: ``PanthorDevice`` is the only
/// holder, and it touches the core only under its lock). The driver and the firmware model live side by side here but
/// talk only as they do on hardware: the driver writes interface inputs and rings doorbells,
/// the firmware writes interface outputs and raises interrupts.
///
/// Its state is `@exclusivity(unchecked)`: every access happens under the device's lock, one
/// event at a time, so the runtime's dynamic exclusivity checks (paid on every field access of
/// a class) cannot find a conflict and are skipped on this hot path.
final class PanthorCore: @unchecked Sendable {
    let configuration: PanthorConfiguration
    let environment: PanthorEnvironment
    let dmaDevice: DMADevice
    let firmwareBytes: [UInt8]
    let memoryAccess: GPUMemoryAccess
    /// The device's lock and liveness, held once for every event to share: an event that
    /// outlives the device does nothing.
    let owner: OwnerReference
    /// The timeouts of waits that a reset or unplug dropped wholesale (``dropWaits()``), in
    /// the order the waits were made; cancelled at the next ``wait`` that has to sleep.
    @exclusivity(unchecked) var droppedWaitTimeouts: [ScheduledEventID] = []

    // Lifecycle.
    @exclusivity(unchecked) var probed = false
    @exclusivity(unchecked) var unplugged = false
    /// Bumped by every reset and by unplug: work scheduled before it is dropped.
    @exclusivity(unchecked) var epoch: UInt64 = 0

    // Hardware.
    @exclusivity(unchecked) var mmu: GPUMMU?
    @exclusivity(unchecked) var registers = GPURegisterFile()
    @exclusivity(unchecked) var interruptScheduled = false

    // Driver: firmware and protected memory.
    @exclusivity(unchecked) var source: (any ProtectedMemorySource)?
    @exclusivity(unchecked) var firmware: LoadedFirmware?
    @exclusivity(unchecked) var kernelVA = KernelVirtualAllocator(window: 0..<0)

    // Firmware model.
    @exclusivity(unchecked) var mcu: FirmwareModelState
    /// Injected faults, kept outside the firmware state so a reset does not forget them.
    @exclusivity(unchecked) var ignoreProtectedModeEnters = 0
    @exclusivity(unchecked) var protectedFaultAtNextEntry = false

    // Scheduler.
    @exclusivity(unchecked) var groups = HandleTable<GroupHandle, PanthorGroup>()
    /// Run order for rotation: groups of equal priority run in this order.
    @exclusivity(unchecked) var runOrder: [GroupHandle] = []
    @exclusivity(unchecked) var nextGroup: UInt32 = 1
    @exclusivity(unchecked) var vms = HandleTable<VMHandle, PanthorVM>()
    @exclusivity(unchecked) var nextVM: UInt32 = 1
    @exclusivity(unchecked) var slots: [GroupHandle?]
    @exclusivity(unchecked) var tick = TickState()
    /// `ptdev->protm.pending`: a `CS_PROTM_PENDING` was acknowledged and `GLB_PROTM_ENTER` must follow.
    @exclusivity(unchecked) var protectedPending = false
    /// The group the driver acknowledged for protected mode, until the firmware leaves it.
    @exclusivity(unchecked) var protectedGroup: GroupHandle?
    @exclusivity(unchecked) var reset: ResetState?
    @exclusivity(unchecked) var waits: [HostWait] = [] {
        didSet { waitsPending = !waits.isEmpty }
    }
    /// Whether ``waits`` holds any, kept in the core itself: ``settle()`` asks after every
    /// event, and reading the count out of the array's buffer was a cache miss on most.
    @exclusivity(unchecked) private(set) var waitsPending = false
    @exclusivity(unchecked) var nextWait = 1
    #if DEBUG
    /// Groups and VMs lent out borrowed right now (``borrow(_:_:)``).
    @exclusivity(unchecked) var loans = 0
    #endif

    // What tests see.
    @exclusivity(unchecked) var trace = PanthorTraceLog()
    @exclusivity(unchecked) var metrics = PanthorMetrics()

    init(configuration: PanthorConfiguration, environment: PanthorEnvironment, firmware: [UInt8]) {
        self.configuration = configuration
        self.environment = environment
        self.dmaDevice = DMADevice(name: configuration.deviceName, master: .gpu)
        self.firmwareBytes = firmware
        self.owner = OwnerReference(deviceName: configuration.deviceName)
        self.memoryAccess = GPUMemoryAccess(bus: environment.bus)
        self.mcu = FirmwareModelState(parameters: configuration.firmware)
        self.slots = Array(repeating: nil, count: max(0, configuration.firmware.groupSlots))
        owner.core = Unmanaged.passUnretained(self)
    }

    var now: VirtualInstant { environment.events.now }
    var parameters: CSFParameters { configuration.firmware }

    /// Takes `kind` and moves it into the trace: the kind is a multi-payload enum whose copy
    /// and destroy go through its value witnesses, so it is moved rather than copied. Inlined
    /// with the append, so the event is built straight into the trace (see
    /// ``PanthorTraceLog/append(_:)``).
    @inline(__always)
    func record(_ kind: consuming PanthorTraceEvent.Kind) {
        trace.append(PanthorTraceEvent(time: now, kind: kind))
    }

    /// Runs `body` on this device `delay` from now, unless a reset or unplug comes first
    /// (`survivesReset` keeps the reset's own steps alive across the epoch it bumps). The
    /// event is a plain value sent to the device's handler (``OwnerReference``): nothing is
    /// allocated, and its label is formatted only if someone lists pending events.
    @discardableResult
    func after(_ delay: VirtualDuration, _ label: PanthorEventLabel, survivesReset: Bool = false, _ body: PanthorEventBody) -> ScheduledEventID {
        let events = environment.events
        return events.schedule(
            after: delay, on: owner.channel(on: events),
            PanthorEvent(label: label, epoch: epoch, survivesReset: survivesReset, body: body))
    }

    // MARK: Interrupts

    func raiseJobInterrupt(_ bits: JobInterrupt) {
        registers.jobRaw.formUnion(bits)
        scheduleInterruptHandler()
    }

    func raiseGPUInterrupt(_ bits: GPUInterrupt) {
        registers.gpuRaw.formUnion(bits)
        scheduleInterruptHandler()
    }

    private func scheduleInterruptHandler() {
        guard !interruptScheduled else { return }
        interruptScheduled = true
        after(VirtualDuration(nanoseconds: 0), "irq", .interrupts)
    }

    /// The threaded IRQ handlers: GPU first (a protected fault resets), then job.
    func handleInterrupts() {
        interruptScheduled = false
        let gpu = registers.gpuStat
        registers.gpuRaw.subtract(gpu)
        if !gpu.isEmpty { handleGPUInterrupt(gpu) }
        let job = registers.jobRaw
        registers.jobRaw = []
        if !job.isEmpty { handleJobInterrupt(job) }
    }

    // MARK: Host waits

    /// Waits until the `kind` of wait holds (checked now and after every step), or `timeout`.
    func wait(_ kind: HostWaitKind, timeout: VirtualDuration) {
        if waitHolds(kind) {
            completeWait(kind, timedOut: false)
            return
        }
        let id = nextWait
        nextWait += 1
        if !droppedWaitTimeouts.isEmpty { cancelDroppedWaitTimeouts() }
        let timeout = after(timeout, .timeout(kind), .waitTimeout(id))
        waits.append(HostWait(id: id, kind: kind, timeout: timeout))
    }

    /// Whether what a wait of `kind` waits for has happened.
    private func waitHolds(_ kind: HostWaitKind) -> Bool {
        switch kind {
        case .protectedModeEnter: protectedModeEnterAcknowledged
        case .slotUpdate: slotUpdatesAcknowledged
        }
    }

    /// What the driver does when a wait of `kind` ends.
    private func completeWait(_ kind: HostWaitKind, timedOut: Bool) {
        switch kind {
        case .protectedModeEnter: protectedModeEnterWaitEnded(timedOut: timedOut)
        case .slotUpdate: slotUpdateWaitEnded(timedOut: timedOut)
        }
    }

    /// Wait `id`'s timeout came first: it completes as timed out, unless it is gone already.
    func waitTimedOut(_ id: Int) {
        guard let index = waits.firstIndex(where: { $0.id == id }) else { return }
        let wait = waits.remove(at: index)
        completeWait(wait.kind, timedOut: true)
    }

    /// Completes every wait whose condition now holds, until none does.
    ///
    /// A completed wait's timeout is cancelled, as `wait_event_timeout` deletes its timer when
    /// the condition comes true: left in the queue it would run for nothing (a quarter of a
    /// playback frame's events) and keep the clock going seconds after the last real work, so
    /// a run drained to empty would end at a timeout nobody waits for.
    @inline(__always)
    func settle() {
        // After most events no wait is pending at all: that answer is a test inlined into
        // the event's step, not a call that saves and restores registers to find it.
        if waitsPending { completeWaitsThatHold() }
    }

    @inline(never)
    private func completeWaitsThatHold() {
        while let index = firstWaitThatHolds() {
            // Mostly the only wait: taken off the end, with nothing after it to move down.
            let wait = index == waits.count - 1 ? waits.removeLast() : waits.remove(at: index)
            environment.events.cancel(wait.timeout)
            completeWait(wait.kind, timedOut: false)
        }
    }

    /// The first pending wait that now holds; checked after every event, mostly with no wait
    /// pending at all.
    private func firstWaitThatHolds() -> Int? {
        var index = 0
        while index < waits.count {
            if waitHolds(waits[index].kind) { return index }
            index += 1
        }
        return nil
    }

    /// Drops every pending wait without completing it (a reset, an unplug); their timeouts,
    /// which the epoch bump leaves with nothing to do, are cancelled at the next wait.
    func dropWaits() {
        for wait in waits { droppedWaitTimeouts.append(wait.timeout) }
        waits.removeAll()
    }

    /// Cancels the timeouts of waits that went without completing: they would have done
    /// nothing, but left in the queue they would keep the clock going.
    private func cancelDroppedWaitTimeouts() {
        for event in droppedWaitTimeouts { environment.events.cancel(event) }
        droppedWaitTimeouts.removeAll(keepingCapacity: true)
    }
}

/// The device's lock, whether the device is still there, its name for event labels, and the
/// handler of its events (``PanthorEvent``): shared by the device and all the core's events.
///
/// An event must do nothing once the device is gone. A weak reference to the device said so
/// at the price of a side-table load and a retain of the device on every event; instead the
/// device's `deinit` clears ``deviceAlive`` under the lock, so an event that takes the lock
/// and finds the flag set knows the core is there for as long as it holds the lock. The event
/// queue keeps this object (the events' handler) for as long as the queue lives, so an event
/// outliving the device finds it, with the flag clear.
final class OwnerReference: @unchecked Sendable {
    let lock = Mutex(())
    let deviceName: String
    /// Set while the device exists; written once, under ``lock``, by the device's `deinit`.
    @exclusivity(unchecked) var deviceAlive = true
    /// The core, which owns this reference (so unmanaged, not retained): touched only under
    /// ``lock`` while ``deviceAlive`` holds, and the device keeps the core alive till then.
    /// Unmanaged rather than `unowned(unsafe)`: reading the latter still retains the core for
    /// the event's step and releases it after, a pair on every event.
    var core: Unmanaged<PanthorCore>?
    /// The channel of the device's events on its queue, made by the first event; touched only
    /// under ``lock``.
    @exclusivity(unchecked) private var eventChannel: ScheduledEventChannel<OwnerReference>?

    init(deviceName: String) {
        self.deviceName = deviceName
    }

    /// The channel this device's events go through on `events` (its one queue), registering
    /// with the queue the first time. Called under ``lock``.
    @inline(__always)
    func channel(on events: EventQueue) -> ScheduledEventChannel<OwnerReference> {
        if let eventChannel { return eventChannel }
        let channel = events.register(self)
        eventChannel = channel
        return channel
    }

    /// Runs `body` on the core under the device's lock, unless the device is gone.
    @inline(__always)
    func withLiveCore(_ body: (PanthorCore) -> Void) {
        lock.withLock { _ in
            guard deviceAlive else { return }
            core.unsafelyUnwrapped._withUnsafeGuaranteedRef(body)
        }
    }
}
