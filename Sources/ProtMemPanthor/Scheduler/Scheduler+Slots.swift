/// Programming CSG and CS slots (`group_bind_locked`, `csg_slot_prog_locked`,
/// `cs_slot_prog_locked`, `group_unbind_locked`): the driver writes input pages only.
extension PanthorCore {
    /// Writes a CSG state request (a field, so `update`, not `toggle`).
    func requestSlotState(_ slot: Int, _ state: GroupSlotState) {
        mcu.groups[slot].input.req = RequestAcknowledge.update(req: mcu.groups[slot].input.req, value: state.rawValue,
                                                               mask: GroupRequest.stateMask.rawValue)
    }

    /// `CSG_EP_REQ_PRIORITY` and a toggled `CSG_ENDPOINT_CONFIG`.
    func setSlotPriority(_ slot: Int, _ priority: UInt8) {
        mcu.groups[slot].input.endpointReq = RequestAcknowledge.update(req: mcu.groups[slot].input.endpointReq,
                                                                       value: UInt32(priority) << GroupEndpoint.priorityShift,
                                                                       mask: GroupEndpoint.priorityMask)
        mcu.groups[slot].input.req = RequestAcknowledge.toggle(req: mcu.groups[slot].input.req, ack: mcu.groups[slot].output.ack,
                                                               mask: GroupRequest.endpointConfig.rawValue)
    }

    /// Binds `group` to `slot` at `priority`: its queues onto the CS slots (started), its
    /// suspend buffers' MCU addresses into the CSG input, and START (or RESUME for a group that
    /// was suspended).
    func bind(_ group: PanthorGroup, to slot: Int, priority: UInt8, acknowledgeProtectedMode: Bool) {
        slots[slot] = group.handle
        group.slot = slot
        group.slotPriority = priority
        mcu.groups[slot].input.suspendBuffer = group.suspendBufferVA.start.rawValue
        mcu.groups[slot].input.protectedSuspendBuffer = group.protectedSuspendBufferVA?.start.rawValue ?? 0
        mcu.groups[slot].input.ackIRQMask = GroupRequest.eventMask.rawValue
        for stream in mcu.groups[slot].streams.indices {
            var input = mcu.groups[slot].streams[stream].input
            if stream < group.queues.count {
                input.ring = RingReference(group: group.handle, queue: stream)
                input.config = UInt32(priority & 0xf) | (UInt32(slot + 1) << 8 & 0xff00)
                input.req = RequestAcknowledge.update(req: input.req, value: StreamRequest.stateStart, mask: StreamRequest.stateMask.rawValue)
                input.ackIRQMask = StreamRequest.eventMask.rawValue
            } else {
                input.ring = nil
                input.req = RequestAcknowledge.update(req: input.req, value: StreamRequest.stateStop, mask: StreamRequest.stateMask.rawValue)
            }
            mcu.groups[slot].streams[stream].input = input
        }
        setSlotPriority(slot, priority)
        requestSlotState(slot, group.state == .suspended ? .resume : .start)
        group.state = .active
        record(.groupBound(group.handle, slot: slot, priority: priority))
        if acknowledgeProtectedMode { acknowledgeProtectedModePending(group, slot: slot) }
    }

    /// Frees evicted slots once their SUSPEND or TERMINATE is acknowledged; destroyed groups
    /// are released then.
    func unbind(_ evicted: SlotSet) {
        for slot in evicted {
            guard let handle = slots[slot], let group = groups[handle] else { continue }
            slots[slot] = nil
            group.slot = nil
            group.slotPriority = nil
            if group.failure == nil { group.state = group.destroyed ? .terminated : .suspended }
            for stream in mcu.groups[slot].streams.indices { mcu.groups[slot].streams[stream].input.ring = nil }
            if group.destroyed { release(group) }
        }
    }
}
