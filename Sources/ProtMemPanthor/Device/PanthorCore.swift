@_spi(CSFHost) import ProtMemCSF
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemTime
import Synchronization

/// Everything one Panthor GPU and its driver keep, behind the device's one lock: the hardware
/// both sides reach (``GPUHardware``: registers, the firmware's interface section, the rings),
/// the firmware model (``CSFFirmware``, in its own module, which knows nothing of the driver),
/// and the driver's firmware image, groups and scheduler.
///
/// The simulation runs on the event queue, one event at a time, each event holding the lock
/// for the whole of its step; the bus, heaps and queue it calls never call back into it, so
/// the lock is never taken twice. The driver and the firmware model talk only as they do on
/// hardware: the driver writes interface inputs and rings doorbells (``ringDoorbell(_:)``, an
/// event that runs the firmware later), the firmware writes interface outputs and raises
/// interrupts; what else it asks (its timers, its trace) the core carries out after each of
/// its steps (``carryOutFirmwareActions()``).
///
/// A non-copyable value held in the device's `Mutex` (``OwnerReference/core``) and reached
/// only through `withLock`, so every step works on it in place through an `inout` access:
/// that access is exclusive by construction, so the compiler checks exclusivity statically
/// and no field access pays a dynamic check. Groups and VMs are values in its tables, named
/// by their handles.
///
/// The core is about a kilobyte: a call of a non-mutating method that is not inlined borrows
/// it by copying it to the stack first (the compiler passes a large borrowed value through a
/// temporary), so the read-only helpers the steps call (``after(_:_:survivesReset:_:)``,
/// ``checkUsable()``, the wait conditions) are `@inline(__always)`.
struct PanthorCore: ~Copyable {
    let configuration: PanthorConfiguration
    let environment: PanthorEnvironment
    let dmaDevice: DMADevice
    let firmwareBytes: [UInt8]
    /// Where the device's events go: its ``OwnerReference``'s channel on its queue.
    let channel: ScheduledEventChannel<OwnerReference>
    /// The timeouts of waits that a reset or unplug dropped wholesale (``dropWaits()``), in
    /// the order the waits were made; cancelled at the next ``wait`` that has to sleep.
    var droppedWaitTimeouts: [ScheduledEventID] = []

    // Lifecycle.
    var probed = false
    var unplugged = false
    /// Bumped by every reset and by unplug: work scheduled before it is dropped.
    var epoch: UInt64 = 0

    // Hardware.
    var mmu: GPUMMU?
    /// Registers, the firmware's interface section and the rings: what both sides reach.
    var gpu: GPUHardware
    var interruptScheduled = false

    // Driver: firmware and protected memory.
    var source: (any ProtectedMemorySource)?
    /// Why the probe went on without protected mode although the board names a heap (an
    /// empty `protected_heap_name`, or a missing heap under ``ProtectedHeapLookup/WhenMissing/withoutProtectedMode``).
    var protectedModeOff: String?
    var firmware: LoadedFirmware?
    var kernelVA = KernelVirtualAllocator(window: 0..<0)

    // The firmware model, on the MCU.
    var mcu: CSFFirmware
    /// The driver booted the firmware (`panthor_fw_start`) and has not reset or unplugged it since.
    var firmwareBooted = false

    // Scheduler.
    var groups = HandleTable<GroupHandle, PanthorGroup>()
    /// Run order for rotation: groups of equal priority run in this order.
    var runOrder: [GroupHandle] = []
    var nextGroup: UInt32 = 1
    var vms = HandleTable<VMHandle, PanthorVM>()
    var nextVM: UInt32 = 1
    var slots: [GroupHandle?]
    var tick = TickState()
    /// `ptdev->protm.pending`: a `CS_PROTM_PENDING` was acknowledged and `GLB_PROTM_ENTER` must follow.
    var protectedPending = false
    /// The group the driver acknowledged for protected mode, until the firmware leaves it.
    var protectedGroup: GroupHandle?
    var reset: ResetState?
    /// System sleep (``PanthorPowerState``).
    var power = PanthorPowerState.on
    /// A resume came while the suspend was still under way: it runs once the MCU is halted.
    var resumeAfterSuspend = false
    var waits: [HostWait] = [] {
        didSet { waitsPending = !waits.isEmpty }
    }
    /// Whether ``waits`` holds any, kept in the core itself: ``settle()`` asks after every
    /// event, and reading the count out of the array's buffer was a cache miss on most.
    private(set) var waitsPending = false
    var nextWait = 1

    // What tests see.
    var trace = PanthorTraceLog()
    var metrics = PanthorMetrics()

    init(configuration: PanthorConfiguration, environment: PanthorEnvironment, firmware: [UInt8],
         channel: ScheduledEventChannel<OwnerReference>) {
        self.configuration = configuration
        self.environment = environment
        self.dmaDevice = DMADevice(name: configuration.deviceName, master: .gpu)
        self.firmwareBytes = firmware
        self.channel = channel
        self.gpu = GPUHardware(parameters: configuration.firmware, memoryAccess: GPUMemoryAccess(bus: environment.bus))
        self.mcu = CSFFirmware(parameters: configuration.firmware)
        self.slots = Array(repeating: nil, count: max(0, configuration.firmware.groupSlots))
    }

    @inline(__always)
    var now: VirtualInstant { environment.events.now }
    @inline(__always)
    var parameters: CSFParameters { configuration.firmware }

    /// Takes `kind` and moves it into the trace: the kind is a multi-payload enum whose copy
    /// and destroy go through its value witnesses, so it is moved rather than copied. Inlined
    /// with the append, so the event is built straight into the trace (see
    /// ``PanthorTraceLog/append(_:)``).
    @inline(__always)
    mutating func record(_ kind: consuming PanthorTraceEvent.Kind) {
        trace.append(PanthorTraceEvent(time: now, kind: kind))
    }

    /// Runs `body` on this device `delay` from now, unless a reset or unplug comes first
    /// (`survivesReset` keeps the reset's own steps alive across the epoch it bumps). The
    /// event is a plain value sent to the device's handler (``OwnerReference``): nothing is
    /// allocated, and its label is formatted only if someone lists pending events.
    @inline(__always)
    @discardableResult
    func after(_ delay: VirtualDuration, _ label: PanthorEventLabel, survivesReset: Bool = false, _ body: PanthorEventBody) -> ScheduledEventID {
        environment.events.schedule(
            after: delay, on: channel, PanthorEvent(label: label, epoch: epoch, survivesReset: survivesReset, body: body))
    }

    // MARK: Doorbells and interrupts

    /// `gpu_write(CSF_DOORBELL(index), 1)`: the firmware looks after `acknowledgeLatency`.
    @inline(__always)
    func ringDoorbell(_ index: Int) {
        after(parameters.acknowledgeLatency, .doorbell(index), .doorbell(index))
    }

    /// Carries out what the firmware's last step asked, in the order it asked: its timers as
    /// device events, its interrupts as the IRQ handler's event, its trace events in the
    /// driver's terms (a ring set is the group of that handle).
    @inline(__always)
    mutating func carryOutFirmwareActions() {
        if mcu.actionCount != 0 { carryOutPendingFirmwareActions() }
    }

    @inline(never)
    private mutating func carryOutPendingFirmwareActions() {
        var index = 0
        var fault = 0
        var warning = 0
        while index < mcu.actionCount {
            switch mcu.actions[index] {
            case .interrupt:
                scheduleInterruptHandler()
            case .schedule(let nanoseconds, let timer):
                let delay = VirtualDuration(nanoseconds: nanoseconds)
                switch timer {
                case .protectedModeSwitch:
                    after(delay, "protected mode switch", .protectedModeSwitch)
                case .jobDone(let slot, let stream, let token, let ring, let job):
                    after(delay, .jobRun(queue: ring.queue, index: job, group: ring.set.rawValue), .jobDone(slot: slot, stream: stream, token: token))
                }
            case .trace(let event):
                switch event {
                case .jobStarted(let ring, let job, let isProtected): record(.jobStarted(JobHandle(ring, job), protected: isProtected))
                case .jobCompleted(let ring, let job): record(.jobCompleted(JobHandle(ring, job)))
                case .jobFailed(let ring, let job):
                    record(.jobFailed(JobHandle(ring, job), .fault(mcu.faults[fault])))
                    fault += 1
                case .protectedModeEntered(let set): record(.protectedModeEntered(GroupHandle(rawValue: set.rawValue)))
                case .protectedModeExited(let reason): record(.protectedModeExited(reason))
                case .protectedModeFault: record(.protectedModeFault(protectedGroup))
                case .warning:
                    record(.warning(mcu.warnings[warning]))
                    warning += 1
                }
            }
            index += 1
        }
        mcu.clearActions()
    }

    private mutating func scheduleInterruptHandler() {
        guard !interruptScheduled else { return }
        interruptScheduled = true
        after(VirtualDuration(nanoseconds: 0), "irq", .interrupts)
    }

    /// The threaded IRQ handlers: GPU first (a protected fault resets), then job.
    mutating func handleInterrupts() {
        interruptScheduled = false
        let status = gpu.registers.gpuStat
        gpu.registers.gpuRaw.subtract(status)
        if !status.isEmpty { handleGPUInterrupt(status) }
        let job = gpu.registers.jobRaw
        gpu.registers.jobRaw = []
        if !job.isEmpty { handleJobInterrupt(job) }
    }

    // MARK: Host waits

    /// Waits until the `kind` of wait holds (checked now and after every step), or `timeout`.
    mutating func wait(_ kind: HostWaitKind, timeout: VirtualDuration) {
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
    @inline(__always)
    private func waitHolds(_ kind: HostWaitKind) -> Bool {
        switch kind {
        case .protectedModeEnter: protectedModeEnterAcknowledged
        case .slotUpdate, .suspend: slotUpdatesAcknowledged
        }
    }

    /// What the driver does when a wait of `kind` ends.
    private mutating func completeWait(_ kind: HostWaitKind, timedOut: Bool) {
        switch kind {
        case .protectedModeEnter: protectedModeEnterWaitEnded(timedOut: timedOut)
        case .slotUpdate: slotUpdateWaitEnded(timedOut: timedOut)
        case .suspend: suspendWaitEnded(timedOut: timedOut)
        }
    }

    /// Wait `id`'s timeout came first: it completes as timed out, unless it is gone already.
    mutating func waitTimedOut(_ id: Int) {
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
    mutating func settle() {
        // After most events no wait is pending at all: that answer is a test inlined into
        // the event's step, not a call that saves and restores registers to find it.
        if waitsPending { completeWaitsThatHold() }
    }

    @inline(never)
    private mutating func completeWaitsThatHold() {
        while let index = firstWaitThatHolds() {
            // Mostly the only wait: taken off the end, with nothing after it to move down.
            let wait = index == waits.count - 1 ? waits.removeLast() : waits.remove(at: index)
            environment.events.cancel(wait.timeout)
            completeWait(wait.kind, timedOut: false)
        }
    }

    /// The first pending wait that now holds; checked after every event, mostly with no wait
    /// pending at all.
    @inline(__always)
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
    mutating func dropWaits() {
        for wait in waits { droppedWaitTimeouts.append(wait.timeout) }
        waits.removeAll()
    }

    /// Cancels the timeouts of waits that went without completing: they would have done
    /// nothing, but left in the queue they would keep the clock going.
    private mutating func cancelDroppedWaitTimeouts() {
        for event in droppedWaitTimeouts { environment.events.cancel(event) }
        droppedWaitTimeouts.removeAll(keepingCapacity: true)
    }
}

extension PanthorCore {
    /// Checks the core's invariants (`precondition`, so release builds check too): its
    /// tables, the slots and the groups agree on who is where, the run order names the live
    /// groups once each, every queue's extract pointer lies in its ring; and those of its
    /// storage types (the trace, the firmware state's slot arrays, the GPU's translations).
    func _checkInvariants() {
        groups._checkInvariants()
        vms._checkInvariants()
        for slot in slots.indices {
            guard let handle = slots[slot] else { continue }
            precondition(groups[handle]?.slot == slot, "slot \(slot) holds \(handle), which is not on it")
        }
        let live = groups.keys
        precondition(runOrder.count == live.count && Set(runOrder) == Set(live), "the run order is not the live groups")
        for handle in live {
            let group = groups[handle]!
            if let slot = group.slot { precondition(slots[slot] == handle, "\(handle) is on slot \(slot), which does not hold it") }
            precondition(vms[group.vm] != nil || unplugged, "\(handle) uses \(group.vm), which is gone")
            let rings = gpu.rings[handle.ringSet]
            precondition(rings?.rings.count == group.queueCount, "\(handle): its rings are not its \(group.queueCount) queues")
            rings?._checkInvariants("\(handle)")
        }
        precondition(gpu.rings.keys.map(\.rawValue) == live.map(\.rawValue), "the rings in GPU memory are not the live groups'")
        gpu.rings._checkInvariants()
        mcu._checkInvariants(gpu)
        trace._checkInvariants()
        gpu.memoryAccess.translations._checkInvariants()
    }
}

/// The device's lock and the core it guards, its name for event labels, and the handler of its
/// events (``PanthorEvent``): shared by the device and all the core's events.
///
/// An event must do nothing once the device is gone: the device's `deinit` unplugs the core
/// and takes it out (``core`` is `nil` from then on), so an event that outlives the device
/// finds nothing to run on. The event queue keeps this object (the events' handler) for as
/// long as the queue lives; without the core it holds only its name.
final class OwnerReference: Sendable {
    let deviceName: String
    /// The core, while the device exists.
    let core = Mutex<PanthorCore?>(nil)

    init(deviceName: String) {
        self.deviceName = deviceName
    }
}
