import ProtMemTime

/// GPU reset (`panthor_device_schedule_reset` → `panthor_device_reset_work`): the scheduler
/// gives up every slot, failing the groups the reset blames and suspending the rest; the GPU
/// and its firmware restart; every section is reloaded (a full reload, after a hang); the
/// global interface is set up again; a tick resumes the survivors.
extension PanthorCore {
    func scheduleReset(_ reason: String, victims: ResetVictims) {
        if reset != nil {
            if case .everyBoundGroup = victims { reset?.victims = victims }
            return
        }
        reset = ResetState(reason: reason, victims: victims)
        record(.resetScheduled(reason))
        after(.zero, "reset", survivesReset: true, .reset)
    }

    func performReset() {
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
        for (slot, handle) in slots.enumerated() {
            guard let handle, let group = groups[handle] else { continue }
            slots[slot] = nil
            group.slot = nil
            group.slotPriority = nil
            switch state.victims {
            case .everyBoundGroup(let failure):
                failGroup(group, failure)
            case .groups(let victims, let failure):
                if victims.contains(handle) { failGroup(group, failure) }
            }
            if !group.isFailed {
                group.state = .suspended
                for queue in group.queues.indices where !group.queues[queue].isEmpty {
                    group.queues[queue].ring[group.queues[queue].extract].setQueued()
                }
            }
        }
        protectedPending = false
        protectedGroup = nil
        for group in groups.values where group.protectedPendingMask != 0 { group.protectedPendingMask = 0 }
        registers = GPURegisterFile()
        interruptScheduled = false
        mcu = FirmwareModelState(parameters: parameters)
        if let firmware { FirmwareLoader.reload(firmware, full: true, bus: environment.bus) }
        after(parameters.resetDuration, "reset done", survivesReset: true, .resetDone)
    }

    /// Stops every stream without saving anything: the firmware is about to be reset.
    private func firmwareStopAll() {
        for slot in mcu.slots.indices {
            for stream in mcu.slots[slot].streams.indices { firmwareStopStream(slot: slot, stream: stream) }
        }
        mcu.endSession()
        registers.status.remove(.protectedModeActive)
    }

    func finishReset() {
        bootFirmware()
        reset = nil
        metrics.resets += 1
        record(.resetCompleted)
        for group in groups.values.sorted(by: { $0.handle < $1.handle }) where group.destroyed && group.slot == nil {
            release(group)
        }
        // Queues that were waiting for protected mode raise CS_PROTM_PENDING again when they run.
        queueTick()
    }

    /// `panthor_fw_start` and `panthor_fw_init_global_iface`: the firmware boots, the host
    /// enables the interrupts it cares about (with `GLB_PROTM_ENTER | GLB_PROTM_EXIT`
    /// unconditionally, as the RFC's review asked), configures, and rings doorbell 0.
    func bootFirmware() {
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
