@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

/// The scheduler's tick (`tick_work` → `tick_ctx_init` / `tick_ctx_apply`), in three steps:
/// 1. pick the groups that get slots (runnable groups by priority, in run order) and evict the
///    others (SUSPEND, or TERMINATE for a group that cannot run), updating the priority of
///    groups that stay; wait for the acknowledgements;
/// 2. bind new groups to free slots with CSG priorities from `MAX_CSG_PRIO` (0xf) down, and
///    acknowledge `CS_PROTM_PENDING` for the top group (the one at 0xf) when it has pending
///    protected queues, before anything asks for protected mode (the kbase ack rule);
///    wait for the acknowledgements. Priorities are handed out from 0xf in pick order, so
///    "the group at `MAX_CSG_PRIO`" and "the highest-priority group present" are the same
///    group. As kbase, no other group is acknowledged while the GPU is protected for one;
///    it is acknowledged by the tick that follows the exit;
/// 3. `glb_protm_enter` when an acknowledgement was made: toggle `GLB_PROTM_ENTER`, ring
///    doorbell 0, wait up to 4000 ms; on expiry schedule a reset that fails every CSG update.
///
/// A group is runnable while it has jobs not finished (queued, running, or waiting for
/// protected mode). As in panthor, idle groups come after runnable ones: they fill the slots
/// the runnable groups leave free, so an idle group keeps its slot until a runnable group
/// needs it. While groups compete for slots a periodic tick rotates groups of equal
/// priority, which is what forces a long protected job off the GPU.
extension PanthorCore {
    mutating func queueTick() {
        guard probed, !unplugged, reset == nil, power == .on else { return }
        if tick.inProgress {
            tick.requested = true
            return
        }
        guard !tick.scheduled else { return }
        tick.scheduled = true
        after(VirtualDuration(nanoseconds: 0), "tick", .tick)
    }

    mutating func runTick() {
        tick.scheduled = false
        guard firmwareBooted, reset == nil, !tick.inProgress else { return }
        tick.inProgress = true
        tick.requested = false
        metrics.ticks += 1
        if tick.rotate {
            tick.rotate = false
            let bound = runOrder.filter { groups[$0]?.slot != nil }
            runOrder.removeAll { bound.contains($0) }
            runOrder += bound
        }
        let runnable = pickGroups()
        var changed = SlotSet()
        var evicted = SlotSet()
        for slot in slots.indices {
            guard let handle = slots[slot], !tick.picked.contains(handle: handle),
                  let canRun = groups.update(handle, { $0.canRun }) else { continue }
            let state: GroupSlotState = canRun ? .suspend : .terminate
            requestSlotState(slot, state)
            record(.groupEvicted(handle, slot: slot, state: state))
            changed.insert(slot)
            evicted.insert(slot)
        }
        for index in tick.picked.indices {
            let priority = Self.slotPriority(at: index)
            // Just picked from the table, so found.
            let handle = tick.picked[index].handle
            if let slot = groups.update(handle, { $0.slotPriority != priority ? $0.slot : nil }) ?? nil {
                setSlotPriority(slot, priority)
                groups.update(handle) { $0.slotPriority = priority }
                changed.insert(slot)
            }
        }
        tick.evicted = evicted
        applySlotUpdates(changed, stage: .evictAndReprioritise)
        armPeriodicTick(contended: runnable > slots.count)
    }

    /// Fills ``TickState/picked`` with the groups that get slots: runnable groups by priority,
    /// then run order (a stable insertion sort, into a buffer the ticks reuse), at most one per
    /// slot. Returns how many groups were runnable.
    private mutating func pickGroups() -> Int {
        // Mostly empty already (step 2 empties it).
        tick.picked.removeAll()
        // By index: a `for … in` iterator would retain its own copy of the run order.
        var position = 0
        while position < runOrder.count {
            let handle = runOrder[position]
            position += 1
            let hasWork = gpu.rings.update(handle.ringSet) { $0.hasWork } ?? false
            guard let priority = groups.update(handle, { $0.runnablePriority(hasWork: hasWork) }) ?? nil else { continue }
            var index = tick.picked.endIndex
            while index > 0, tick.picked[index - 1].priority < priority { index -= 1 }
            let picked = PickedGroup(handle: handle, priority: priority)
            if index == tick.picked.endIndex {
                tick.picked.append(picked)
            } else {
                tick.picked.insert(picked, at: index)
            }
        }
        let runnable = tick.picked.count
        if runnable > slots.count { tick.picked.removeLast(runnable - slots.count) }
        chooseProtectedCandidate()
        if tick.picked.count < slots.count { pickIdleGroups() }
        return runnable
    }

    /// Patch 7's "Check if the highest priority group want to switch to protected mode": the
    /// first runnable group picked (the highest priority, first in run order). As posted it
    /// is taken whatever it runs; as reviewed, only when it has pending protected queues. In
    /// both, no other group is ever looked at.
    private mutating func chooseProtectedCandidate() {
        tick.protectedCandidate = nil
        let policy = configuration.protectedModeScheduling
        guard policy.choosesProtectedGroupInTick, !tick.picked.isEmpty else { return }
        let top = tick.picked[0].handle
        if policy == .seriesV1Reviewed, groups.update(top, { $0.protectedPendingMask }) ?? 0 == 0 { return }
        tick.protectedCandidate = top
    }

    /// Panthor's tick has a second pass for the slots the runnable groups leave free: idle
    /// groups that can run fill them, by priority, and within a priority those already on a
    /// slot first, so their slots need no new CSG requests. So an idle group keeps its slot
    /// while no runnable group needs it, and its next job only rings its doorbell; a runnable
    /// group still takes the slot first.
    private mutating func pickIdleGroups() {
        let firstIdle = tick.picked.endIndex
        let protectedCandidatePriority = tick.protectedCandidate == nil ? nil : tick.picked[0].priority
        var position = 0
        // Every idle candidate is sorted in before any is cut, so an idle group on a slot late
        // in the run order still goes before one without a slot.
        while position < runOrder.count {
            let handle = runOrder[position]
            position += 1
            let hasWork = gpu.rings.update(handle.ringSet) { $0.hasWork } ?? false
            guard let (priority, onSlot) = groups.update(handle, { $0.idlePlace(hasWork: hasWork) }) ?? nil else { continue }
            // Patch 7, when the tick goes protected: "Pick only idle groups with equal or lower
            // priority than the group triggering protected mode. Do not bother picking
            // unscheduled idle groups."
            if let ceiling = protectedCandidatePriority, !onSlot || priority > ceiling { continue }
            // Sorted by priority, then on a slot before not; stable in run order.
            var index = tick.picked.endIndex
            while index > firstIdle {
                let before = tick.picked[index - 1]
                guard before.priority < priority || (before.priority == priority && onSlot && !before.onSlot) else { break }
                index -= 1
            }
            let picked = PickedGroup(handle: handle, priority: priority, onSlot: onSlot)
            if index == tick.picked.endIndex {
                tick.picked.append(picked)
            } else {
                tick.picked.insert(picked, at: index)
            }
        }
        if tick.picked.count > slots.count { tick.picked.removeLast(tick.picked.count - slots.count) }
    }

    /// The CSG priority of the group picked `index`-th: from `MAX_CSG_PRIO` down.
    static func slotPriority(at index: Int) -> UInt8 {
        GroupEndpoint.maximumPriority &- UInt8(truncatingIfNeeded: index)
    }

    /// Step 2: bind new groups, acknowledge protected-mode requests of the top group.
    private mutating func bindAndAcknowledge() {
        var changed = SlotSet()
        var index = 0
        while index < tick.picked.count {
            let priority = Self.slotPriority(at: index)
            // A group destroyed (and so released) while the tick waited cannot run either.
            let handle = tick.picked[index].handle
            if let (pendingMask, boundSlot) = groups.update(handle, { $0.canRun ? ($0.protectedPendingMask, $0.slot) : nil }) ?? nil {
                let acknowledge: Bool
                if configuration.protectedModeScheduling.choosesProtectedGroupInTick {
                    // Patch 7 acknowledges its `protm_group`'s pending queues (none, as posted,
                    // for a group with no protected work) and has no test of the GPU being
                    // protected for another group already.
                    acknowledge = handle == tick.protectedCandidate
                } else {
                    let protectedForAnother = gpu.registers.status.contains(.protectedModeActive) && protectedGroup != handle
                    acknowledge = priority == GroupEndpoint.maximumPriority && pendingMask != 0 && !protectedForAnother
                }
                if let slot = boundSlot {
                    if acknowledge {
                        acknowledgeProtectedModePending(handle, slot: slot)
                        changed.insert(slot)
                    }
                } else {
                    guard let slot = freeSlot() else { break }
                    bind(handle, to: slot, priority: priority, acknowledgeProtectedMode: acknowledge)
                    changed.insert(slot)
                }
            }
            index += 1
        }
        tick.picked.removeAll()
        tick.protectedCandidate = nil
        applySlotUpdates(changed, stage: .startGroups)
    }

    /// The first CSG slot with no group, by index (`firstIndex(where:)` would walk a retained
    /// copy of the slots).
    @inline(__always)
    private func freeSlot() -> Int? {
        var slot = 0
        while slot < slots.count {
            if slots[slot] == nil { return slot }
            slot += 1
        }
        return nil
    }

    /// Rings the CSG doorbells of `changed` slots and waits for their acknowledgements; the
    /// tick's next step runs once they are in. A timeout schedules a reset that fails those
    /// groups. What the wait needs lives in ``tick`` (one tick runs at a time), so the wait
    /// itself is only its kind.
    private mutating func applySlotUpdates(_ changed: SlotSet, stage: TickState.Stage) {
        tick.stage = stage
        tick.updating = changed
        guard !changed.isEmpty else {
            continueTick()
            return
        }
        for slot in changed { gpu.interface.global.input.doorbellReq ^= 1 << UInt32(slot) }
        ringDoorbell(GPURegister.globalDoorbell)
        wait(.slotUpdate(stage), timeout: configuration.timeouts.slotUpdate)
    }

    /// The end of a slot-update wait: the tick goes on, or a reset fails the groups of the
    /// slots whose updates timed out.
    mutating func slotUpdateWaitEnded(timedOut: Bool) {
        if timedOut {
            let victims = Set(tick.updating.compactMap { slots[$0] })
            record(.warning("CSG slots update timeout"))
            scheduleReset("CSG slots update timeout", victims: .groups(victims, .slotUpdateTimeout))
            finishTick()
            return
        }
        continueTick()
    }

    /// Whether the firmware has acknowledged every request of the slots being updated and
    /// their doorbell bits.
    @inline(__always)
    var slotUpdatesAcknowledged: Bool {
        let doorbells = gpu.interface.global.input.doorbellReq ^ gpu.interface.global.output.doorbellAck
        for slot in tick.updating {
            guard doorbells & (1 << UInt32(slot)) == 0,
                  RequestAcknowledge.pending(req: gpu.interface.groups[slot].input.req, ack: gpu.interface.groups[slot].output.ack,
                                             mask: GroupRequest.requestMask.rawValue) == 0 else { return false }
        }
        return true
    }

    /// The tick's step after its slot updates are in.
    private mutating func continueTick() {
        switch tick.stage {
        case .evictAndReprioritise:
            let evicted = tick.evicted
            tick.evicted = SlotSet()
            unbind(evicted)
            bindAndAcknowledge()
        case .startGroups:
            enterProtectedModeIfPending()
        }
    }

    mutating func finishTick() {
        tick.inProgress = false
        // A tick that timed out never reached the steps that empty these.
        tick.picked.removeAll()
        tick.protectedCandidate = nil
        tick.evicted = SlotSet()
        // A suspend that came while the tick ran goes on now that it is done.
        if power == .suspending, reset == nil {
            suspendGroups()
            return
        }
        if tick.requested {
            tick.requested = false
            queueTick()
        }
    }

    private mutating func armPeriodicTick(contended: Bool) {
        guard contended, !tick.periodicArmed else { return }
        tick.periodicArmed = true
        after(configuration.timeouts.tickPeriod, "periodic tick", .periodicTick)
    }

    /// The periodic tick: the next tick rotates groups of equal priority.
    mutating func periodicTickFired() {
        tick.periodicArmed = false
        tick.rotate = true
        queueTick()
    }
}
