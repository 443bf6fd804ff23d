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
        let handle = group.handle
        let queueCount = group.queues.count
        mcu.groups[slot].streams.withUnsafeMutableBufferPointer { streams in
            for stream in streams.indices {
                if stream < queueCount {
                    streams[stream].input.ring = RingReference(group: handle, queue: stream)
                    streams[stream].input.config = UInt32(priority & 0xf) | (UInt32(slot + 1) << 8 & 0xff00)
                    streams[stream].input.req = RequestAcknowledge.update(req: streams[stream].input.req, value: StreamRequest.stateStart,
                                                                          mask: StreamRequest.stateMask.rawValue)
                    streams[stream].input.ackIRQMask = StreamRequest.eventMask.rawValue
                } else {
                    streams[stream].input.ring = nil
                    streams[stream].input.req = RequestAcknowledge.update(req: streams[stream].input.req, value: StreamRequest.stateStop,
                                                                          mask: StreamRequest.stateMask.rawValue)
                }
            }
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
            guard let handle = slots[slot], let reference = groups.reference(handle) else { continue }
            slots[slot] = nil
            // Borrowed for the bookkeeping; taken strongly only to be released.
            let destroyed = borrow(reference) { group -> Bool in
                group.slot = nil
                group.slotPriority = nil
                if !group.isFailed { group.state = group.destroyed ? .terminated : .suspended }
                return group.destroyed
            }
            mcu.groups[slot].streams.withUnsafeMutableBufferPointer { streams in
                for stream in streams.indices { streams[stream].input.ring = nil }
            }
            if destroyed, let group = groups[handle] { release(group) }
        }
    }
}
