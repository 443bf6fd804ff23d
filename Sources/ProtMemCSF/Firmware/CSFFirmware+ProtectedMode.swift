import ProtMemTime

/// The firmware model's protected mode: entry on `GLB_PROTM_ENTER` for the streams whose
/// `CS_PROTM_PENDING` the host acknowledged before sending it, the switch itself, exit when the
/// protected regions are done or a slot change forces it, and the protected-mode fault.
extension CSFFirmware {
    /// `GLB_PROTM_ENTER` arrived. As kbase documents the firmware, the `CS_PROTM_PENDING`
    /// acknowledgements are sampled now: a stream acknowledged later is not part of this entry.
    /// Normal jobs still running finish first; new ones wait.
    ///
    /// Already in protected mode (another stream of the protected group reached its region),
    /// the newly acknowledged streams join the session and the request is acknowledged at once.
    mutating func beginProtectedModeEntry(gpu: inout GPUHardware) {
        guard !mcu.entering, !mcu.ignoringProtectedModeEnter else { return }
        if ignoreProtectedModeEnters > 0 {
            ignoreProtectedModeEnters -= 1
            mcu.ignoringProtectedModeEnter = true
            warn("injected: firmware ignores GLB_PROTM_ENTER")
            return
        }
        if mcu.session != nil {
            var joined: [(slot: Int, streams: StreamSet)] = []
            // Only a running slot's streams can be sampled.
            for slot in mcu.runningSlots {
                let streams = sampledStreams(slot, gpu: &gpu)
                guard !streams.isEmpty else { continue }
                mcu.slots[slot].protectedStreams.formUnion(streams)
                joined.append((slot, streams))
            }
            acknowledgeGlobal(.protectedModeEnter, gpu: &gpu)
            for (slot, streams) in joined {
                for stream in streams { kick(slot: slot, stream: stream, gpu: &gpu) }
            }
            return
        }
        for slot in mcu.slots.indices {
            let sampled = mcu.runningSlots.contains(slot) ? sampledStreams(slot, gpu: &gpu) : StreamSet()
            // A slot with nothing sampled has nothing entering already (entry clears it): no write.
            if !sampled.isEmpty || !mcu.slots[slot].enteringStreams.isEmpty { mcu.slots[slot].enteringStreams = sampled }
        }
        mcu.entering = true
        tryCompleteEntry(gpu: &gpu)
    }

    /// The slot's streams that wait for protected mode and whose `CS_PROTM_PENDING` the host
    /// has acknowledged.
    @inline(__always)
    private func sampledStreams(_ slot: Int, gpu: inout GPUHardware) -> StreamSet {
        var sampled = StreamSet()
        // Only a running slot's streams can wait: a stream waits once kicked, and stopping a
        // slot clears its streams before it stops running.
        guard mcu.slots[slot].running else { return sampled }
        for stream in mcu.slots[slot].streams.indices
        where mcu.slots[slot].streams[stream].waitingForProtectedMode && gpu.interface.groups[slot].streams[stream].protectedModePendingAcknowledged {
            sampled.insert(stream)
        }
        return sampled
    }

    /// Once no normal job runs, the switch takes `protectedModeEntryLatency`.
    mutating func tryCompleteEntry(gpu: inout GPUHardware) {
        guard mcu.entering, !mcu.activationScheduled, !mcu.normalWorkRunning else { return }
        mcu.activationScheduled = true
        schedule(after: parameters.protectedModeEntryLatency, .protectedModeSwitch)
    }

    /// `GPU_STATUS_PROTM_ACTIVE` goes up; the firmware writes its protected-mode state into its
    /// PROT section as the protected GPU (so a section that is not really protected, or not
    /// mapped at all, faults here, as on a v13 GPU); then `GLB_PROTM_ENTER` is acknowledged
    /// and the sampled streams resume.
    package mutating func activateProtectedMode(now: VirtualInstant, gpu: inout GPUHardware) {
        self.now = now
        mcu.activationScheduled = false
        guard mcu.entering else { return }
        mcu.entering = false
        gpu.registers.status.insert(.protectedModeActive)
        var firstSlot: Int?
        // The slots are written in place.
        let mcuSlots = mcu.slots
        for slot in mcuSlots.indices {
            let streams = mcuSlots[slot].enteringStreams
            mcuSlots[slot].protectedStreams = streams
            mcuSlots[slot].enteringStreams = StreamSet()
            if firstSlot == nil, !streams.isEmpty { firstSlot = slot }
        }
        mcu.session = .init(since: now)
        metrics.protectedModeEntries += 1
        if let slot = firstSlot, let owner = firstRingSet(slot) { trace(.protectedModeEntered(owner)) }
        let protectedStateVA = protectedStateVA
        do throws(GPUFault) {
            let va = GPUVirtualAddress(protectedStateVA ?? 0)
            guard protectedStateVA != nil else {
                throw GPUFault.translation(GPUTranslationFault(addressSpace: .mcu, address: va, size: 0, access: .write, reason: .unmapped))
            }
            try gpu.memoryAccess.firmwareWrite(Self.savedStateRecord, at: va, in: mcuSpace!, protectedMode: true)
        } catch {
            protectedFault(error, gpu: &gpu)
            return
        }
        if protectedFaultAtNextEntry {
            protectedFaultAtNextEntry = false
            protectedFault(nil, gpu: &gpu)
            return
        }
        acknowledgeGlobal(.protectedModeEnter, gpu: &gpu)
        for slot in mcu.slots.indices {
            for stream in mcu.slots[slot].protectedStreams { kick(slot: slot, stream: stream, gpu: &gpu) }
        }
        checkProtectedWorkDone(gpu: &gpu)
    }

    /// The ring set of the slot's first stream that has a ring, read in place (`first(where:)`
    /// would walk a retained copy of the slot's streams).
    @inline(__always)
    private func firstRingSet(_ slot: Int) -> RingSetID? {
        var stream = 0
        while stream < mcu.slots[slot].streams.count {
            if let ring = mcu.slots[slot].streams[stream].ring { return ring.set }
            stream += 1
        }
        return nil
    }

    /// Leaves protected mode when no sampled stream runs a protected job or has one next.
    mutating func checkProtectedWorkDone(gpu: inout GPUHardware) {
        guard mcu.session != nil else { return }
        for slot in mcu.slots.indices {
            for stream in mcu.slots[slot].protectedStreams {
                let state = mcu.slots[slot].streams[stream]
                if state.active?.isProtected == true { return }
                if mcu.slots[slot].running, state.started, let ring = state.ring,
                   gpu.rings.update(ring.set, { $0.rings[ring.queue].nextIsProtected }) == true { return }
            }
        }
        exitProtectedMode(.workDone, gpu: &gpu)
    }

    /// `GPU_STATUS_PROTM_ACTIVE` goes down and the `GLB_PROTM_EXIT` event is raised; normal
    /// work may run again.
    mutating func exitProtectedMode(_ reason: ProtectedModeExitReason, gpu: inout GPUHardware) {
        guard let session = mcu.session else { return }
        mcu.endSession()
        gpu.registers.status.remove(.protectedModeActive)
        metrics.protectedModeExits += 1
        metrics.protectedModeTime = metrics.protectedModeTime + now.duration(since: session.since)
        trace(.protectedModeExited(reason))
        raiseGlobalEvent(.protectedModeExit, gpu: &gpu)
        kickAll(gpu: &gpu)
    }

    /// `GPU_IRQ_PROTM_FAULT`: the GPU stops its protected work and tells the host, which
    /// resets it.
    mutating func protectedFault(_ fault: GPUFault?, gpu: inout GPUHardware) {
        metrics.protectedModeFaults += 1
        trace(.protectedModeFault)
        if let fault { warn("protected-mode fault: \(fault)") }
        for slot in mcu.slots.indices {
            for stream in mcu.slots[slot].streams.indices where mcu.slots[slot].streams[stream].active?.isProtected == true {
                mcu.slots[slot].streams[stream].active = nil
                mcu.slots[slot].streams[stream].started = false
            }
        }
        raiseGPUInterrupt(.protectedModeFault, gpu: &gpu)
    }
}
