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
    /// What the last step asked of the system, in order; the device empties it after every
    /// step (``FirmwareAction``).
    package var actions: [FirmwareAction] = []

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
        actions.append(.interrupt)
    }

    /// Raises `GPU_IRQ` bits.
    mutating func raiseGPUInterrupt(_ bits: GPUInterrupt, gpu: inout GPUHardware) {
        gpu.registers.gpuRaw.formUnion(bits)
        actions.append(.interrupt)
    }

    @inline(__always)
    mutating func schedule(after delay: VirtualDuration, _ timer: FirmwareTimer) {
        actions.append(.schedule(after: delay, timer))
    }

    @inline(__always)
    mutating func trace(_ event: consuming FirmwareTraceEvent) {
        actions.append(.trace(event))
    }

    /// Checks the state's structure against the interface section's (`precondition`, so
    /// release builds check too).
    package func _checkInvariants(_ gpu: borrowing GPUHardware) {
        mcu._checkInvariants(gpu.interface.groups)
    }
}
