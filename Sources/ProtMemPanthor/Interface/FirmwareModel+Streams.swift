import ProtMemTime

/// The firmware model running command streams: a stream takes the next job of its ring, runs
/// it for its duration, performs its memory operations as the GPU, and moves on; a job inside
/// a `PROT_REGION` first stops the stream with `CS_PROTM_PENDING`.
extension PanthorCore {
    /// Kicks every stream of a running slot (a stream of a slot that is not running cannot
    /// start, so an idle slot costs one check, not one per stream).
    mutating func firmwareKick(slot: Int) {
        guard mcu.slots[slot].running else { return }
        for stream in mcu.kickableStreams(slot: slot) {
            firmwareKick(slot: slot, stream: stream)
        }
    }

    /// Kicks every running slot (a kick never starts or stops a slot, so the set taken first
    /// is the set a walk over every slot would find running).
    mutating func firmwareKickAll() {
        for slot in mcu.runningSlots { firmwareKick(slot: slot) }
    }

    mutating func firmwareKick(slot: Int, stream: Int) {
        let state = mcu.slots[slot].streams[stream]
        guard mcu.slots[slot].running, state.started, state.active == nil, let ring = state.ring,
              let isProtected = groups.update(ring.group, { $0.nextIsProtected(queue: ring.queue) }) ?? nil else { return }
        if isProtected {
            if mcu.session != nil, mcu.slots[slot].protectedStreams.contains(stream) {
                firmwareStart(slot: slot, stream: stream, ring: ring)
            } else if !state.waitingForProtectedMode {
                firmwareRaiseProtectedModePending(slot: slot, stream: stream, ring: ring)
            }
        } else if mcu.session == nil, !mcu.entering {
            firmwareStart(slot: slot, stream: stream, ring: ring)
        }
    }

    /// The stream reached a protected region: `CS_STATUS_WAIT_PROTM`, then the
    /// `CS_PROTM_PENDING` event through the CSG's `cs_irq_req` and `JOB_INT_CSG_IF`.
    private mutating func firmwareRaiseProtectedModePending(slot: Int, stream: Int, ring: RingReference) {
        mcu.slots[slot].streams[stream].waitingForProtectedMode = true
        mcu.groups[slot].streams[stream].raiseProtectedModePending()
        groups.update(ring.group) { $0.queues[ring.queue].markNextWaitingForProtectedMode() }
        firmwareSignalStream(slot: slot, stream: stream)
    }

    /// Toggles the stream's bit in `cs_irq_req` (unless already pending) and interrupts.
    mutating func firmwareSignalStream(slot: Int, stream: Int) {
        let bit: UInt32 = 1 << UInt32(stream)
        if (mcu.groups[slot].output.csIRQReq ^ mcu.groups[slot].input.csIRQAck) & bit == 0 {
            mcu.groups[slot].output.csIRQReq ^= bit
        }
        raiseJobInterrupt(.groupInterface(slot))
    }

    private mutating func firmwareStart(slot: Int, stream: Int, ring: RingReference) {
        let now = self.now
        let (index, isProtected, remaining) = groups.update(ring.group) { $0.queues[ring.queue].startNext(at: now) }!
        let token = mcu.nextToken
        mcu.nextToken += 1
        mcu.slots[slot].streams[stream].start(.init(index: index, startedAt: now, token: token, isProtected: isProtected))
        if isProtected {
            mcu.groups[slot].streams[stream].output.statusWait.remove(.protectedMode)
        }
        record(.jobStarted(JobHandle(group: ring.group, queue: ring.queue, sequence: UInt64(index)), protected: isProtected))
        after(remaining, .job(ring.group, queue: ring.queue, index: index), .jobDone(slot: slot, stream: stream, token: token))
    }

    /// Stops a stream's job (suspend, terminate): it goes back to the ring's head with what is
    /// left of its run, so a resumed stream picks it up again.
    mutating func firmwareStopStream(slot: Int, stream: Int) {
        // A stream already stopped, with nothing running or waiting, has nothing to undo.
        let state = mcu.slots[slot].streams[stream]
        guard state.active != nil || state.started || state.waitingForProtectedMode
            || mcu.groups[slot].streams[stream].output.statusWait.contains(.protectedMode) else { return }
        if let active = state.active, let ring = state.ring {
            let ran = now.duration(since: active.startedAt)
            groups.update(ring.group) { $0.queues[ring.queue].stop(active.index, ran: ran) }
        }
        if state.waitingForProtectedMode, let ring = state.ring {
            groups.update(ring.group) { $0.queues[ring.queue].requeueNext() }
        }
        mcu.slots[slot].streams[stream].stop()
        mcu.groups[slot].streams[stream].output.statusWait.remove(.protectedMode)
    }

    mutating func firmwareComplete(slot: Int, stream: Int, token: UInt64) {
        guard let active = mcu.slots[slot].streams[stream].active, active.token == token,
              let ring = mcu.slots[slot].streams[stream].ring, let vm = groups.update(ring.group, { $0.vm }), let space = vms.update(vm, { $0.space }) else { return }
        firmwareComplete(slot: slot, stream: stream, active: active, ring: ring, space: space)
    }

    private mutating func firmwareComplete(slot: Int, stream: Int, active: FirmwareModelState.ActiveJob, ring: RingReference, space: GPUAddressSpace) {
        // The operations, if the job is still the one the firmware runs.
        guard let operations = groups.update(ring.group, { group in
            group.queues[ring.queue].extract == active.index ? group.queues[ring.queue].ring[active.index].job.operations : nil
        }) ?? nil else {
            // The host failed the group while the job ran: its result no longer matters.
            mcu.slots[slot].streams[stream].active = nil
            return
        }
        let handle = JobHandle(group: ring.group, queue: ring.queue, sequence: UInt64(active.index))
        let inProtectedMode = registers.status.contains(.protectedModeActive)
        var readBack: [UInt8]?
        var fault: GPUFault?
        // By index: a `for … in` iterator would retain its own copy of the operations.
        var position = 0
        while position < operations.count {
            let operation = operations[position]
            position += 1
            do {
                if let bytes = try memoryAccess.perform(operation, in: space, protectedMode: inProtectedMode) { readBack = bytes }
            } catch {
                fault = error
                break
            }
        }
        mcu.slots[slot].streams[stream].active = nil
        if let fault {
            groups.update(ring.group) { $0.queues[ring.queue].failJob(active.index, .fault(fault)) }
            metrics.jobsFailed += 1
            record(.jobFailed(handle, .fault(fault)))
            mcu.slots[slot].streams[stream].started = false
            if inProtectedMode {
                firmwareProtectedFault(fault)
            } else {
                mcu.groups[slot].streams[stream].output.fault = 0x40
                let bit = StreamRequest.fault.rawValue
                if !mcu.groups[slot].streams[stream].pendingEvents.contains(.fault) { mcu.groups[slot].streams[stream].output.ack ^= bit }
                firmwareSignalStream(slot: slot, stream: stream)
            }
            return
        }
        let now = self.now
        groups.update(ring.group) { $0.queues[ring.queue].completeJob(active.index, at: now, readBack: readBack) }
        metrics.jobsCompleted += 1
        record(.jobCompleted(handle))
        firmwareRaiseGroupEvent(slot: slot, .syncUpdate)
        if mcu.entering { firmwareTryCompleteEntry() }
        if mcu.session != nil { firmwareCheckProtectedWorkDone() }
        firmwareKick(slot: slot, stream: stream)
    }

    /// Raises a CSG event (`CSG_SYNC_UPDATE`, `CSG_IDLE`, …) and `JOB_INT_CSG_IF`.
    mutating func firmwareRaiseGroupEvent(slot: Int, _ event: GroupRequest) {
        if RequestAcknowledge.pending(req: mcu.groups[slot].input.req, ack: mcu.groups[slot].output.ack, mask: event.rawValue) == 0 {
            mcu.groups[slot].output.ack ^= event.rawValue
        }
        raiseJobInterrupt(.groupInterface(slot))
    }
}
