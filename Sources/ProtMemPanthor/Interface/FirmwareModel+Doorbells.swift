/// The firmware model's reaction to doorbells: the global interface's requests, each CSG's
/// state and endpoint requests, and the CS state requests, acknowledged by copying the request
/// bits into the output page.
extension PanthorCore {
    /// `gpu_write(CSF_DOORBELL(index), 1)`: the firmware looks after `acknowledgeLatency`.
    @inline(__always)
    func ringDoorbell(_ index: Int) {
        after(parameters.acknowledgeLatency, .doorbell(index), .doorbell(index))
    }

    mutating func firmwareDoorbell(_ index: Int) {
        guard mcu.booted else { return }
        if index == GPURegister.globalDoorbell {
            firmwareGlobalRequests()
        } else if index - 1 < mcu.slots.count {
            // A user doorbell (`CSF_DOORBELL(csg_id + 1)`): new work on that slot's rings.
            firmwareKick(slot: index - 1)
        }
    }

    private mutating func firmwareGlobalRequests() {
        let pending = mcu.global.pendingRequests
        let simple = pending.subtracting(.protectedModeEnter)
        if !simple.isEmpty { firmwareAcknowledgeGlobal(simple) }
        if pending.contains(.protectedModeEnter) { firmwareBeginProtectedModeEntry() }
        // The rung CSG doorbells in slot order (read once, as the walk over every slot did:
        // a CSG's requests never ring another).
        var doorbells = mcu.global.input.doorbellReq ^ mcu.global.output.doorbellAck
        while doorbells != 0 {
            let slot = doorbells.trailingZeroBitCount
            doorbells &= doorbells - 1
            guard slot < mcu.groups.count else { break }
            mcu.global.output.doorbellAck ^= 1 << UInt32(slot)
            firmwareGroupRequests(slot)
        }
    }

    /// Copies `bits` of the global `req` into `ack`; an interrupt if the host asked for one.
    mutating func firmwareAcknowledgeGlobal(_ bits: GlobalRequest) {
        mcu.global.output.ack = RequestAcknowledge.update(req: mcu.global.output.ack, value: mcu.global.input.req, mask: bits.rawValue)
        if bits.rawValue & mcu.global.input.ackIRQMask != 0 { raiseJobInterrupt(.globalInterface) }
    }

    /// Raises a global event: the firmware toggles its `ack` bit so it differs from `req`,
    /// unless the event is already pending.
    mutating func firmwareRaiseGlobalEvent(_ bit: GlobalRequest) {
        guard !mcu.global.pendingEvents.contains(bit) else { return }
        mcu.global.output.ack ^= bit.rawValue
        if bit.rawValue & mcu.global.input.ackIRQMask != 0 { raiseJobInterrupt(.globalInterface) }
    }

    private mutating func firmwareGroupRequests(_ slot: Int) {
        let pending = mcu.groups[slot].pendingRequests
        if mcu.groups[slot].requestedState != mcu.groups[slot].acknowledgedState {
            switch mcu.groups[slot].requestedState {
            case .start, .resume:
                mcu.setRunning(slot, true)
            case .suspend, .terminate:
                firmwareStopSlot(slot, state: mcu.groups[slot].requestedState)
            }
            mcu.groups[slot].output.ack = RequestAcknowledge.update(req: mcu.groups[slot].output.ack, value: mcu.groups[slot].input.req,
                                                                    mask: GroupRequest.stateMask.rawValue)
        }
        let toggles = pending.intersection([.endpointConfig, .statusUpdate])
        if !toggles.isEmpty {
            mcu.groups[slot].output.ack = RequestAcknowledge.update(req: mcu.groups[slot].output.ack, value: mcu.groups[slot].input.req,
                                                                    mask: toggles.rawValue)
        }
        mcu.applyStreamRequests(slot: slot)
        firmwareKick(slot: slot)
    }

    /// CSG SUSPEND or TERMINATE: stop every stream (a running job keeps what is left of its
    /// run). When the slot is the one in protected mode, a suspend first saves the protected
    /// state into the group's protected suspend buffer, as the protected GPU, and the firmware
    /// leaves protected mode; then a suspend saves the group's normal state into its suspend
    /// buffer as the normal GPU.
    private mutating func firmwareStopSlot(_ slot: Int, state: GroupSlotState) {
        let wasProtected = mcu.session != nil && !mcu.slots[slot].protectedStreams.isEmpty
        if wasProtected, state == .suspend {
            let va = mcu.groups[slot].input.protectedSuspendBuffer
            do {
                try memoryAccess.firmwareWrite(Self.savedStateRecord, at: GPUVirtualAddress(va), in: mmu!.mcu, protectedMode: true)
            } catch {
                firmwareProtectedFault(error)
            }
        }
        for stream in mcu.streamsToStop(slot: slot) {
            firmwareStopStream(slot: slot, stream: stream)
        }
        mcu.setRunning(slot, false)
        mcu.slots[slot].enteringStreams = StreamSet()
        if wasProtected {
            mcu.slots[slot].protectedStreams = StreamSet()
            firmwareExitProtectedMode(.forcedBySlotChange)
        }
        if state == .suspend {
            let va = mcu.groups[slot].input.suspendBuffer
            _ = try? memoryAccess.firmwareWrite(Self.savedStateRecord, at: GPUVirtualAddress(va), in: mmu!.mcu, protectedMode: false)
        }
    }

    /// What the firmware writes when it saves state: the model keeps no real context, only
    /// the fact that the write happened, through the bus, as the right master.
    /// Its sixteen bytes, NUL included, made once: as a `String` the record (one byte past
    /// what a string keeps inline) allocated on every save, every frame.
    static let savedStateRecord: [UInt8] = Array("csf-saved-state\0".utf8)
}
