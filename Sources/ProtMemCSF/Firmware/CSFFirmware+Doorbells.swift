import ProtMemTime

/// The firmware model's reaction to doorbells: the global interface's requests, each CSG's
/// state and endpoint requests, and the CS state requests, acknowledged by copying the request
/// bits into the output page.
extension CSFFirmware {
    /// The firmware looks at doorbell `index` (`CSF_DOORBELL(index)`), which the host rang
    /// ``CSFParameters/acknowledgeLatency`` ago: doorbell 0 for the global interface's
    /// requests, `csg_id + 1` for new work on that slot's rings.
    package mutating func doorbell(_ index: Int, now: VirtualInstant, gpu: inout GPUHardware) {
        self.now = now
        guard mcu.booted else { return }
        if index == GPURegister.globalDoorbell {
            globalRequests(gpu: &gpu)
        } else if index - 1 < mcu.slots.count {
            // A user doorbell (`CSF_DOORBELL(csg_id + 1)`): new work on that slot's rings.
            kick(slot: index - 1, gpu: &gpu)
        }
    }

    private mutating func globalRequests(gpu: inout GPUHardware) {
        let pending = gpu.interface.global.pendingRequests
        let simple = pending.subtracting(.protectedModeEnter)
        if !simple.isEmpty { acknowledgeGlobal(simple, gpu: &gpu) }
        if pending.contains(.protectedModeEnter) { beginProtectedModeEntry(gpu: &gpu) }
        // The rung CSG doorbells in slot order (read once, as the walk over every slot did:
        // a CSG's requests never ring another).
        var doorbells = gpu.interface.global.input.doorbellReq ^ gpu.interface.global.output.doorbellAck
        while doorbells != 0 {
            let slot = doorbells.trailingZeroBitCount
            doorbells &= doorbells - 1
            guard slot < gpu.interface.groups.count else { break }
            gpu.interface.global.output.doorbellAck ^= 1 << UInt32(slot)
            groupRequests(slot, gpu: &gpu)
        }
    }

    /// Copies `bits` of the global `req` into `ack`; an interrupt if the host asked for one.
    mutating func acknowledgeGlobal(_ bits: GlobalRequest, gpu: inout GPUHardware) {
        gpu.interface.global.output.ack = RequestAcknowledge.update(req: gpu.interface.global.output.ack, value: gpu.interface.global.input.req, mask: bits.rawValue)
        if bits.rawValue & gpu.interface.global.input.ackIRQMask != 0 { raiseJobInterrupt(.globalInterface, gpu: &gpu) }
    }

    /// Raises a global event: the firmware toggles its `ack` bit so it differs from `req`,
    /// unless the event is already pending.
    mutating func raiseGlobalEvent(_ bit: GlobalRequest, gpu: inout GPUHardware) {
        guard !gpu.interface.global.pendingEvents.contains(bit) else { return }
        gpu.interface.global.output.ack ^= bit.rawValue
        if bit.rawValue & gpu.interface.global.input.ackIRQMask != 0 { raiseJobInterrupt(.globalInterface, gpu: &gpu) }
    }

    private mutating func groupRequests(_ slot: Int, gpu: inout GPUHardware) {
        let pending = gpu.interface.groups[slot].pendingRequests
        if gpu.interface.groups[slot].requestedState != gpu.interface.groups[slot].acknowledgedState {
            switch gpu.interface.groups[slot].requestedState {
            case .start, .resume:
                mcu.setRunning(slot, true)
            case .suspend, .terminate:
                stopSlot(slot, state: gpu.interface.groups[slot].requestedState, gpu: &gpu)
            }
            gpu.interface.groups[slot].output.ack = RequestAcknowledge.update(req: gpu.interface.groups[slot].output.ack, value: gpu.interface.groups[slot].input.req,
                                                                    mask: GroupRequest.stateMask.rawValue)
        }
        let toggles = pending.intersection([.endpointConfig, .statusUpdate])
        if !toggles.isEmpty {
            gpu.interface.groups[slot].output.ack = RequestAcknowledge.update(req: gpu.interface.groups[slot].output.ack, value: gpu.interface.groups[slot].input.req,
                                                                    mask: toggles.rawValue)
        }
        mcu.applyStreamRequests(slot: slot, in: gpu.interface.groups)
        kick(slot: slot, gpu: &gpu)
    }

    /// CSG SUSPEND or TERMINATE: stop every stream (a running job keeps what is left of its
    /// run). When the slot is the one in protected mode, a suspend first saves the protected
    /// state into the group's protected suspend buffer, as the protected GPU, and the firmware
    /// leaves protected mode; then a suspend saves the group's normal state into its suspend
    /// buffer as the normal GPU.
    private mutating func stopSlot(_ slot: Int, state: GroupSlotState, gpu: inout GPUHardware) {
        let wasProtected = mcu.session != nil && !mcu.slots[slot].protectedStreams.isEmpty
        if wasProtected, state == .suspend {
            let va = gpu.interface.groups[slot].input.protectedSuspendBuffer
            do {
                try gpu.memoryAccess.firmwareWrite(Self.savedStateRecord, at: GPUVirtualAddress(va), in: mcuSpace!, protectedMode: true)
            } catch {
                protectedFault(error, gpu: &gpu)
            }
        }
        for stream in mcu.streamsToStop(slot: slot, in: gpu.interface.groups) {
            stopStream(slot: slot, stream: stream, gpu: &gpu)
        }
        mcu.setRunning(slot, false)
        mcu.slots[slot].enteringStreams = StreamSet()
        if wasProtected {
            mcu.slots[slot].protectedStreams = StreamSet()
            exitProtectedMode(.forcedBySlotChange, gpu: &gpu)
        }
        if state == .suspend {
            let va = gpu.interface.groups[slot].input.suspendBuffer
            _ = try? gpu.memoryAccess.firmwareWrite(Self.savedStateRecord, at: GPUVirtualAddress(va), in: mcuSpace!, protectedMode: false)
        }
    }

    /// What the firmware writes when it saves state: the model keeps no real context, only
    /// the fact that the write happened, through the bus, as the right master.
    /// Its sixteen bytes, NUL included, made once: as a `String` the record (one byte past
    /// what a string keeps inline) allocated on every save, every frame.
    static let savedStateRecord: [UInt8] = Array("csf-saved-state\0".utf8)
}
