import ProtMemTime

/// The firmware model running command streams: a stream takes the next job of its ring, runs
/// it for its duration, performs its memory operations as the GPU, and moves on; a job inside
/// a `PROT_REGION` first stops the stream with `CS_PROTM_PENDING`.
extension CSFFirmware {
    /// Kicks every stream of a running slot (a stream of a slot that is not running cannot
    /// start, so an idle slot costs one check, not one per stream).
    mutating func kick(slot: Int, gpu: inout GPUHardware) {
        guard mcu.slots[slot].running else { return }
        for stream in mcu.kickableStreams(slot: slot) {
            kick(slot: slot, stream: stream, gpu: &gpu)
        }
    }

    /// Kicks every running slot (a kick never starts or stops a slot, so the set taken first
    /// is the set a walk over every slot would find running).
    mutating func kickAll(gpu: inout GPUHardware) {
        for slot in mcu.runningSlots { kick(slot: slot, gpu: &gpu) }
    }

    mutating func kick(slot: Int, stream: Int, gpu: inout GPUHardware) {
        let state = mcu.slots[slot].streams[stream]
        guard mcu.slots[slot].running, state.started, state.active == nil, let ring = state.ring,
              let isProtected = gpu.rings.update(ring.set, { $0.nextIsProtected(queue: ring.queue) }) ?? nil else { return }
        if isProtected {
            if mcu.session != nil, mcu.slots[slot].protectedStreams.contains(stream) {
                start(slot: slot, stream: stream, ring: ring, gpu: &gpu)
            } else if !state.waitingForProtectedMode {
                raiseProtectedModePending(slot: slot, stream: stream, ring: ring, gpu: &gpu)
            }
        } else if mcu.session == nil, !mcu.entering {
            start(slot: slot, stream: stream, ring: ring, gpu: &gpu)
        }
    }

    /// The stream reached a protected region: `CS_STATUS_WAIT_PROTM`, then the
    /// `CS_PROTM_PENDING` event through the CSG's `cs_irq_req` and `JOB_INT_CSG_IF`.
    private mutating func raiseProtectedModePending(slot: Int, stream: Int, ring: RingReference, gpu: inout GPUHardware) {
        mcu.slots[slot].streams[stream].waitingForProtectedMode = true
        gpu.interface.groups[slot].streams[stream].raiseProtectedModePending()
        gpu.rings.update(ring.set) { $0.rings[ring.queue].markNextWaitingForProtectedMode() }
        signalStream(slot: slot, stream: stream, gpu: &gpu)
    }

    /// Toggles the stream's bit in `cs_irq_req` (unless already pending) and interrupts.
    mutating func signalStream(slot: Int, stream: Int, gpu: inout GPUHardware) {
        let bit: UInt32 = 1 << UInt32(stream)
        if (gpu.interface.groups[slot].output.csIRQReq ^ gpu.interface.groups[slot].input.csIRQAck) & bit == 0 {
            gpu.interface.groups[slot].output.csIRQReq ^= bit
        }
        raiseJobInterrupt(.groupInterface(slot), gpu: &gpu)
    }

    private mutating func start(slot: Int, stream: Int, ring: RingReference, gpu: inout GPUHardware) {
        let now = self.now
        let (index, isProtected, remaining) = gpu.rings.update(ring.set) { $0.rings[ring.queue].startNext(at: now) }!
        let token = mcu.nextToken
        mcu.nextToken += 1
        mcu.slots[slot].streams[stream].start(.init(index: index, startedAt: now, token: token, isProtected: isProtected))
        if isProtected {
            gpu.interface.groups[slot].streams[stream].output.statusWait.remove(.protectedMode)
        }
        trace(.jobStarted(ring, index: index, protected: isProtected))
        schedule(after: remaining, .jobDone(slot: slot, stream: stream, token: token, ring: ring, index: index))
    }

    /// Stops a stream's job (suspend, terminate): it goes back to the ring's head with what is
    /// left of its run, so a resumed stream picks it up again.
    mutating func stopStream(slot: Int, stream: Int, gpu: inout GPUHardware) {
        // A stream already stopped, with nothing running or waiting, has nothing to undo.
        let state = mcu.slots[slot].streams[stream]
        guard state.active != nil || state.started || state.waitingForProtectedMode
            || gpu.interface.groups[slot].streams[stream].output.statusWait.contains(.protectedMode) else { return }
        if let active = state.active, let ring = state.ring {
            let ran = now.duration(since: active.startedAt)
            gpu.rings.update(ring.set) { $0.rings[ring.queue].stop(active.index, ran: ran) }
        }
        if state.waitingForProtectedMode, let ring = state.ring {
            gpu.rings.update(ring.set) { $0.rings[ring.queue].requeueNext() }
        }
        mcu.slots[slot].streams[stream].stop()
        gpu.interface.groups[slot].streams[stream].output.statusWait.remove(.protectedMode)
    }

    /// The run `token` of a stream's job is over (its timer): the job performs its memory
    /// operations as the GPU, in the address space of its CSG, and completes or faults.
    package mutating func complete(slot: Int, stream: Int, token: UInt64, now: VirtualInstant, gpu: inout GPUHardware) {
        self.now = now
        guard let active = mcu.slots[slot].streams[stream].active, active.token == token,
              let ring = mcu.slots[slot].streams[stream].ring, let space = gpu.rings.update(ring.set, { $0.space }) else { return }
        complete(slot: slot, stream: stream, active: active, ring: ring, space: space, gpu: &gpu)
    }

    private mutating func complete(slot: Int, stream: Int, active: CSFFirmwareState.ActiveJob, ring: RingReference, space: GPUAddressSpace, gpu: inout GPUHardware) {
        // The operations, if the job is still the one the firmware runs.
        guard let operations = gpu.rings.update(ring.set, { group in
            group.rings[ring.queue].extract == active.index ? group.rings[ring.queue].ring[active.index].job.operations : nil
        }) ?? nil else {
            // The host failed the group while the job ran: its result no longer matters.
            mcu.slots[slot].streams[stream].active = nil
            return
        }
        let inProtectedMode = gpu.registers.status.contains(.protectedModeActive)
        var readBack: [UInt8]?
        var fault: GPUFault?
        // By index: a `for … in` iterator would retain its own copy of the operations.
        var position = 0
        while position < operations.count {
            let operation = operations[position]
            position += 1
            do {
                if let bytes = try gpu.memoryAccess.perform(operation, in: space, protectedMode: inProtectedMode) { readBack = bytes }
            } catch {
                fault = error
                break
            }
        }
        mcu.slots[slot].streams[stream].active = nil
        if let fault {
            gpu.rings.update(ring.set) { $0.rings[ring.queue].failJob(active.index, fault) }
            metrics.jobsFailed += 1
            traceJobFailed(ring, index: active.index, fault)
            mcu.slots[slot].streams[stream].started = false
            if inProtectedMode {
                protectedFault(fault, gpu: &gpu)
            } else {
                gpu.interface.groups[slot].streams[stream].output.fault = 0x40
                let bit = StreamRequest.fault.rawValue
                if !gpu.interface.groups[slot].streams[stream].pendingEvents.contains(.fault) { gpu.interface.groups[slot].streams[stream].output.ack ^= bit }
                signalStream(slot: slot, stream: stream, gpu: &gpu)
            }
            return
        }
        let now = self.now
        gpu.rings.update(ring.set) { $0.rings[ring.queue].completeJob(active.index, at: now, readBack: readBack) }
        metrics.jobsCompleted += 1
        trace(.jobCompleted(ring, index: active.index))
        raiseGroupEvent(slot: slot, .syncUpdate, gpu: &gpu)
        if mcu.entering { tryCompleteEntry(gpu: &gpu) }
        if mcu.session != nil { checkProtectedWorkDone(gpu: &gpu) }
        kick(slot: slot, stream: stream, gpu: &gpu)
    }

    /// Raises a CSG event (`CSG_SYNC_UPDATE`, `CSG_IDLE`, …) and `JOB_INT_CSG_IF`.
    mutating func raiseGroupEvent(slot: Int, _ event: GroupRequest, gpu: inout GPUHardware) {
        if RequestAcknowledge.pending(req: gpu.interface.groups[slot].input.req, ack: gpu.interface.groups[slot].output.ack, mask: event.rawValue) == 0 {
            gpu.interface.groups[slot].output.ack ^= event.rawValue
        }
        raiseJobInterrupt(.groupInterface(slot), gpu: &gpu)
    }
}
