@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

/// GPU reset (`panthor_device_schedule_reset` → `panthor_device_reset_work`): the scheduler
/// gives up every slot, failing the groups the reset blames and suspending the rest; the GPU
/// and its firmware restart; every section is reloaded (a full reload, after a hang); the
/// global interface is set up again; a tick resumes the survivors.
extension PanthorCore {
    mutating func scheduleReset(_ reason: String, victims: ResetVictims) {
        if reset != nil {
            if case .everyBoundGroup = victims { reset?.victims = victims }
            return
        }
        reset = ResetState(reason: reason, victims: victims)
        record(.resetScheduled(reason))
        after(.zero, "reset", survivesReset: true, .reset)
    }

    mutating func performReset() {
        guard let state = reset else { return }
        epoch &+= 1
        dropWaits()
        tick = TickState()
        firmwareBooted = false
        // In protected mode, the reset stops every stream and ends the session (an exit).
        mcu.reset(now: now, gpu: &gpu)
        carryOutFirmwareActions()
        for slot in slots.indices {
            guard let handle = slots[slot], groups.contains(handle) else { continue }
            slots[slot] = nil
            groups.update(handle) { group in
                group.slot = nil
                group.slotPriority = nil
            }
            switch state.victims {
            case .everyBoundGroup(let failure):
                failGroup(handle, failure)
            case .groups(let victims, let failure):
                if victims.contains(handle) { failGroup(handle, failure) }
            }
            if groups.update(handle, { group in
                guard !group.isFailed else { return false }
                group.state = .suspended
                return true
            }) == true {
                gpu.rings.update(handle.ringSet) { $0.requeueHeads() }
            }
        }
        protectedPending = false
        protectedGroup = nil
        for handle in groups.keys { groups.update(handle) { if $0.protectedPendingMask != 0 { $0.protectedPendingMask = 0 } } }
        gpu.registers = GPURegisterFile()
        interruptScheduled = false
        mcu.powerOff(gpu: &gpu)
        if firmware != nil { FirmwareLoader.reload(&firmware!, full: true, bus: environment.bus) }
        after(parameters.resetDuration, "reset done", survivesReset: true, .resetDone)
    }

    mutating func finishReset() {
        bootFirmware()
        reset = nil
        metrics.resets += 1
        record(.resetCompleted)
        for handle in groups.keys where groups.update(handle, { $0.destroyed && $0.slot == nil }) == true {
            release(handle)
        }
        // Queues that were waiting for protected mode raise CS_PROTM_PENDING again when they run.
        queueTick()
    }

    /// `panthor_fw_start` and `panthor_fw_init_global_iface`: the firmware boots, the host
    /// enables the interrupts it cares about (with `GLB_PROTM_ENTER | GLB_PROTM_EXIT`
    /// unconditionally, as the RFC's review asked), configures, and rings doorbell 0.
    mutating func bootFirmware() {
        mcu.boot(mcuSpace: mmu?.mcu, protectedStateVA: firmware?.protectedStateVA, gpu: &gpu)
        firmwareBooted = true
        let enabled: GlobalRequest = [.configAllocEnable, .ping, .configProgressTimer, .configPoweroffTimer, .idleEnable, .idle,
                                      .protectedModeEnter, .protectedModeExit]
        gpu.interface.global.input.ackIRQMask = enabled.rawValue
        gpu.interface.global.input.req = RequestAcknowledge.update(req: gpu.interface.global.input.req, value: GlobalRequest.idleEnable.rawValue,
                                                         mask: GlobalRequest.idleEnable.rawValue)
        gpu.interface.global.input.req = RequestAcknowledge.toggle(req: gpu.interface.global.input.req, ack: gpu.interface.global.output.ack,
                                                         mask: GlobalRequest([.configAllocEnable, .configPoweroffTimer, .configProgressTimer]).rawValue)
        ringDoorbell(GPURegister.globalDoorbell)
    }
}
