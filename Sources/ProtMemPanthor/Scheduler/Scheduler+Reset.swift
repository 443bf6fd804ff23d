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
        if let session = mcu.session {
            firmwareStopAll()
            metrics.protectedModeExits += 1
            metrics.protectedModeTime = metrics.protectedModeTime + now.duration(since: session.since)
            record(.protectedModeExited(.reset))
        }
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
            groups.update(handle) { if !$0.isFailed { $0.suspendForReset() } }
        }
        protectedPending = false
        protectedGroup = nil
        for handle in groups.keys { groups.update(handle) { if $0.protectedPendingMask != 0 { $0.protectedPendingMask = 0 } } }
        registers = GPURegisterFile()
        interruptScheduled = false
        mcu = FirmwareModelState(parameters: parameters)
        if firmware != nil { FirmwareLoader.reload(&firmware!, full: true, bus: environment.bus) }
        after(parameters.resetDuration, "reset done", survivesReset: true, .resetDone)
    }

    /// Stops every stream without saving anything: the firmware is about to be reset.
    private mutating func firmwareStopAll() {
        for slot in mcu.slots.indices {
            for stream in mcu.slots[slot].streams.indices { firmwareStopStream(slot: slot, stream: stream) }
        }
        mcu.endSession()
        registers.status.remove(.protectedModeActive)
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
        mcu = FirmwareModelState(parameters: parameters)
        mcu.booted = true
        let enabled: GlobalRequest = [.configAllocEnable, .ping, .configProgressTimer, .configPoweroffTimer, .idleEnable, .idle,
                                      .protectedModeEnter, .protectedModeExit]
        mcu.global.input.ackIRQMask = enabled.rawValue
        mcu.global.input.req = RequestAcknowledge.update(req: mcu.global.input.req, value: GlobalRequest.idleEnable.rawValue,
                                                         mask: GlobalRequest.idleEnable.rawValue)
        mcu.global.input.req = RequestAcknowledge.toggle(req: mcu.global.input.req, ack: mcu.global.output.ack,
                                                         mask: GlobalRequest([.configAllocEnable, .configPoweroffTimer, .configProgressTimer]).rawValue)
        ringDoorbell(GPURegister.globalDoorbell)
    }
}
