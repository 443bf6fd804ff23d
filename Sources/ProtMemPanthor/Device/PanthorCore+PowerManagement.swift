@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

/// Where the device stands with system sleep (`panthor_device_suspend` / `_resume`).
public enum PanthorPowerState: Hashable, Sendable {
    case on
    /// Every group on a slot was asked to SUSPEND; waiting for the firmware to save them.
    case suspending
    /// The MCU is halted and the GPU off; the groups wait, their state saved.
    case suspended
}

/// System suspend and resume, as panthor's PM callbacks do them: `panthor_sched_suspend`
/// suspends every group on a slot (the firmware saves each into its suspend buffer, the
/// protected one into the protected suspend buffer), `panthor_fw_suspend` halts the MCU
/// (`panthor_fw_pre_reset(ptdev, false)`, a clean halt that allows a fast restart);
/// `panthor_fw_resume` restarts the MCU without reloading its sections (the fast path of
/// `panthor_fw_post_reset`: memory kept its contents through the sleep, the firmware's
/// protected sections included), re-initialises the global interface, and the scheduler's
/// tick puts the groups back (RESUME).
extension PanthorCore {
    /// Starts a suspend; a tick in flight finishes first (the kernel cancels the tick work
    /// and waits for it). Returns `false` when there is nothing to suspend (not probed, being
    /// reset, or not on).
    mutating func suspend() -> Bool {
        guard probed, !unplugged, reset == nil, power == .on else { return false }
        power = .suspending
        metrics.suspends += 1
        if !tick.inProgress { suspendGroups() }
        return true
    }

    /// `panthor_sched_suspend`: SUSPEND on every slot with a group, then wait.
    mutating func suspendGroups() {
        var changed = SlotSet()
        for slot in slots.indices where slots[slot] != nil {
            requestSlotState(slot, .suspend)
            changed.insert(slot)
        }
        tick.updating = changed
        guard !changed.isEmpty else {
            haltForSuspend()
            return
        }
        for slot in changed { gpu.interface.global.input.doorbellReq ^= 1 << UInt32(slot) }
        ringDoorbell(GPURegister.globalDoorbell)
        wait(.suspend, timeout: configuration.timeouts.slotUpdate)
    }

    /// The end of the groups' suspend: each leaves its slot, saved; a timeout resets the GPU
    /// (the groups that did not answer fail, as a slot update timeout fails them).
    mutating func suspendWaitEnded(timedOut: Bool) {
        if timedOut {
            let victims = Set(tick.updating.compactMap { slots[$0] })
            record(.warning("CSG slots suspend timeout"))
            power = .on
            resumeAfterSuspend = false
            scheduleReset("CSG slots suspend timeout", victims: .groups(victims, .slotUpdateTimeout))
            return
        }
        let bound = tick.updating
        tick.updating = SlotSet()
        unbind(bound)
        haltForSuspend()
    }

    /// `panthor_fw_suspend`: the MCU halts and the GPU powers off; its interface section and
    /// registers are gone until the resume boots it again.
    private mutating func haltForSuspend() {
        dropWaits()
        firmwareBooted = false
        mcu.reset(now: now, gpu: &gpu)
        carryOutFirmwareActions()
        mcu.powerOff(gpu: &gpu)
        gpu.registers = GPURegisterFile()
        interruptScheduled = false
        protectedPending = false
        protectedGroup = nil
        power = .suspended
        record(.suspended)
        if resumeAfterSuspend {
            resumeAfterSuspend = false
            _ = resume()
        }
    }

    /// `panthor_device_resume`: the MCU restarts on the sections as they are (no reload), the
    /// global interface is set up again, and a tick resumes the groups. A resume that comes
    /// while the suspend still waits for the firmware (its SUSPEND requests are out, the
    /// firmware is saving the groups) runs once the suspend has halted the MCU, as the PM core
    /// runs a device's resume only after its suspend callback returned.
    mutating func resume() -> Bool {
        switch power {
        case .on: return false
        case .suspending:
            resumeAfterSuspend = true
            return true
        case .suspended:
            power = .on
            bootFirmware()
            record(.resumed)
            queueTick()
            return true
        }
    }
}
