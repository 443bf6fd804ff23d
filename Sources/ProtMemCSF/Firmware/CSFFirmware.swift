import ProtMemTime

/// The CSF firmware running on the GPU's MCU, as a model of its behaviour (the microcode is
/// not executed). It knows nothing of the driver: it is driven only through what the hardware
/// gives it, and answers only through the same.
///
/// - **In**: the doorbells (``doorbell(_:now:gpu:)``), which make it read the host's requests
///   in the shared interface section (``GPUHardware/interface``, `req` words against its own
///   `ack` words); the rings the CS slots point at (``GPUHardware/rings``); the end of its own
///   timers (a job's run, the switch into protected mode); and the lines a board or a test
///   pulls (boot, reset, injected faults).
/// - **Out**: the `ack` words and events of the output pages, `GPU_STATUS`, and interrupts
///   (the raw bits in ``GPUHardware/registers`` and a ``FirmwareAction/interrupt``), with the
///   timers it arms and what the trace records as ``FirmwareAction``s, which the device carries
///   out in order once the step is over.
///
/// Its parts: doorbells and the interface's requests (`CSFFirmware+Doorbells.swift`), command
/// streams (`+Streams`), protected mode (`+ProtectedMode`); its per-slot state is
/// ``CSFFirmwareState``.
package struct CSFFirmware {
    package let parameters: CSFParameters
    /// Rebuilt at every boot and power-off.
    var mcu: CSFFirmwareState
    /// The MCU's address space (its sections and the suspend buffers the host maps there),
    /// and where its image's first PROT section lies, from the last boot.
    var mcuSpace: GPUAddressSpace?
    var protectedStateVA: UInt64?
    /// The time of the step running.
    var now = VirtualInstant(rawValue: 0)
    /// Injected faults, kept outside the state so a reset does not forget them.
    var ignoreProtectedModeEnters = 0
    var protectedFaultAtNextEntry = false
    /// Counted across boots and resets.
    package internal(set) var metrics = FirmwareMetrics()
    /// What the last step asked of the system, in order: the first ``actionCount`` of
    /// ``actions``, which the device carries out and clears (``clearActions()``) after every
    /// step (``FirmwareAction``). The array is reused, never emptied, so a step's list costs a
    /// store per action.
    package private(set) var actions: [FirmwareAction] = []
    package private(set) var actionCount = 0
    /// The faults of the ``FirmwareTraceEvent/jobFailed(_:index:)`` actions, and the texts of
    /// the ``FirmwareTraceEvent/warning`` ones, in order; emptied with ``actions``.
    package private(set) var faults: [GPUFault] = []
    package private(set) var warnings: [String] = []

    package init(parameters: CSFParameters) {
        self.parameters = parameters
        mcu = CSFFirmwareState(parameters: parameters)
    }

    // MARK: Lines

    /// The MCU boots the image loaded in `mcuSpace`: it lays out a fresh shared interface
    /// section and waits for doorbells. `protectedStateVA` is where its image's first PROT
    /// section lies (`nil` when it has none), into which it saves its protected-mode mcu.
    package mutating func boot(mcuSpace: GPUAddressSpace?, protectedStateVA: UInt64?, gpu: inout GPUHardware) {
        mcu = CSFFirmwareState(parameters: parameters)
        mcu.booted = true
        gpu.interface = CSFInterfaceMemory(parameters: parameters)
        self.mcuSpace = mcuSpace
        self.protectedStateVA = protectedStateVA
    }

    /// The MCU stops (a reset or an unplug): its state and the interface section are gone.
    package mutating func powerOff(gpu: inout GPUHardware) {
        mcu = CSFFirmwareState(parameters: parameters)
        gpu.interface = CSFInterfaceMemory(parameters: parameters)
    }

    /// A GPU reset reaches the firmware: in protected mode, every stream stops without saving
    /// anything and the session ends (`GPU_STATUS_PROTM_ACTIVE` down), counted as an exit.
    package mutating func reset(now: VirtualInstant, gpu: inout GPUHardware) {
        self.now = now
        guard let session = mcu.session else { return }
        for slot in mcu.slots.indices {
            for stream in mcu.slots[slot].streams.indices { stopStream(slot: slot, stream: stream, gpu: &gpu) }
        }
        mcu.endSession()
        gpu.registers.status.remove(.protectedModeActive)
        metrics.protectedModeExits += 1
        metrics.protectedModeTime = metrics.protectedModeTime + now.duration(since: session.since)
        trace(.protectedModeExited(.reset))
    }

    /// Injected: the firmware ignores the next `GLB_PROTM_ENTER`.
    package mutating func ignoreNextProtectedModeEnter() {
        ignoreProtectedModeEnters += 1
    }

    /// Injected: a protected-mode fault now, in protected mode, else at the next entry.
    package mutating func injectProtectedModeFault(now: VirtualInstant, gpu: inout GPUHardware) {
        self.now = now
        if mcu.session != nil {
            protectedFault(nil, gpu: &gpu)
        } else {
            protectedFaultAtNextEntry = true
        }
    }

    // MARK: Towards the system

    /// Raises `JOB_IRQ` bits.
    mutating func raiseJobInterrupt(_ bits: JobInterrupt, gpu: inout GPUHardware) {
        gpu.registers.jobRaw.formUnion(bits)
        act(.interrupt)
    }

    /// Raises `GPU_IRQ` bits.
    mutating func raiseGPUInterrupt(_ bits: GPUInterrupt, gpu: inout GPUHardware) {
        gpu.registers.gpuRaw.formUnion(bits)
        act(.interrupt)
    }

    @inline(__always)
    mutating func schedule(after delay: VirtualDuration, _ timer: FirmwareTimer) {
        act(.schedule(afterNanoseconds: delay.nanoseconds, timer))
    }

    @inline(__always)
    mutating func trace(_ event: FirmwareTraceEvent) {
        act(.trace(event))
    }

    @inline(__always)
    mutating func act(_ action: FirmwareAction) {
        if actionCount < actions.count {
            actions[actionCount] = action
        } else {
            actions.append(action)
        }
        actionCount += 1
    }

    /// The device has carried out the step's actions.
    package mutating func clearActions() {
        actionCount = 0
        if !faults.isEmpty { faults.removeAll() }
        if !warnings.isEmpty { warnings.removeAll() }
    }

    mutating func traceJobFailed(_ ring: RingReference, index: Int, _ fault: GPUFault) {
        faults.append(fault)
        trace(.jobFailed(ring, index: index))
    }

    mutating func warn(_ text: String) {
        warnings.append(text)
        trace(.warning)
    }

    /// Checks the state's structure against the interface section's (`precondition`, so
    /// release builds check too).
    package func _checkInvariants(_ gpu: borrowing GPUHardware) {
        mcu._checkInvariants(gpu.interface.groups)
    }
}
