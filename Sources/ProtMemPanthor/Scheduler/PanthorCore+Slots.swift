@_spi(CSFHost) import ProtMemCSF
/// Programming CSG and CS slots (`group_bind_locked`, `csg_slot_prog_locked`,
/// `cs_slot_prog_locked`, `group_unbind_locked`): the driver writes input pages only.
extension PanthorCore {
    /// Writes a CSG state request (a field, so `update`, not `toggle`).
    mutating func requestSlotState(_ slot: Int, _ state: GroupSlotState) {
        gpu.interface.groups[slot].input.req = RequestAcknowledge.update(req: gpu.interface.groups[slot].input.req, value: state.rawValue,
                                                               mask: GroupRequest.stateMask.rawValue)
    }

    /// `CSG_EP_REQ_PRIORITY` and a toggled `CSG_ENDPOINT_CONFIG`.
    mutating func setSlotPriority(_ slot: Int, _ priority: UInt8) {
        gpu.interface.groups[slot].input.endpointReq = RequestAcknowledge.update(req: gpu.interface.groups[slot].input.endpointReq,
                                                                       value: UInt32(priority) << GroupEndpoint.priorityShift,
                                                                       mask: GroupEndpoint.priorityMask)
        gpu.interface.groups[slot].input.req = RequestAcknowledge.toggle(req: gpu.interface.groups[slot].input.req, ack: gpu.interface.groups[slot].output.ack,
                                                               mask: GroupRequest.endpointConfig.rawValue)
    }

    /// Binds `group` to `slot` at `priority`: its queues onto the CS slots (started), its
    /// suspend buffers' MCU addresses into the CSG input, and START (or RESUME for a group that
    /// was suspended).
    mutating func bind(_ handle: GroupHandle, to slot: Int, priority: UInt8, acknowledgeProtectedMode: Bool) {
        slots[slot] = handle
        let (suspendVA, protectedSuspendVA, queueCount, wasSuspended) = groups.update(handle) { group in
            group.slot = slot
            group.slotPriority = priority
            return (group.suspendBufferVA.start.rawValue, group.protectedSuspendBufferVA?.start.rawValue ?? 0, group.queueCount,
                    group.state == .suspended)
        }!
        gpu.interface.groups[slot].input.suspendBuffer = suspendVA
        gpu.interface.groups[slot].input.protectedSuspendBuffer = protectedSuspendVA
        gpu.interface.groups[slot].input.ackIRQMask = GroupRequest.eventMask.rawValue
        gpu.interface.groups[slot].bindStreams(to: handle.ringSet, queueCount: queueCount, slot: slot, priority: priority)
        setSlotPriority(slot, priority)
        requestSlotState(slot, wasSuspended ? .resume : .start)
        groups.update(handle) { $0.state = .active }
        record(.groupBound(handle, slot: slot, priority: priority))
        if acknowledgeProtectedMode { acknowledgeProtectedModePending(handle, slot: slot) }
    }

    /// Frees evicted slots once their SUSPEND or TERMINATE is acknowledged; destroyed groups
    /// are released then.
    mutating func unbind(_ evicted: SlotSet) {
        for slot in evicted {
            guard let handle = slots[slot], groups.contains(handle) else { continue }
            slots[slot] = nil
            let destroyed = groups.update(handle) { $0.leaveSlot() }!
            gpu.interface.groups[slot].unbindStreams()
            if destroyed { release(handle) }
        }
    }
}
