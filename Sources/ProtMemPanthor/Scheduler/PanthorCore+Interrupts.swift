@_spi(CSFHost) import ProtMemCSF
/// The driver's interrupt processing: `panthor_job_irq_handler` → the scheduler's global and
/// CSG event processing, and the GPU interrupt's protected-mode fault.
extension PanthorCore {
    mutating func handleJobInterrupt(_ status: JobInterrupt) {
        if status.contains(.globalInterface) { processGlobalEvents() }
        // The raised CSG bits in slot order, rather than a test of every slot's bit.
        var pending = status.rawValue & ~JobInterrupt.globalInterface.rawValue
        while pending != 0 {
            let slot = pending.trailingZeroBitCount
            pending &= pending - 1
            guard slot < slots.count else { break }
            processGroupEvents(slot)
        }
    }

    /// `sched_process_global_irq_locked`: a `GLB_PROTM_EXIT` event is acknowledged (its `ack`
    /// bit copied into `req`) and a tick queued (RFC patch 5).
    private mutating func processGlobalEvents() {
        let events = gpu.interface.global.pendingEvents
        guard !events.isEmpty else { return }
        gpu.interface.global.input.req = RequestAcknowledge.update(req: gpu.interface.global.input.req, value: gpu.interface.global.output.ack, mask: events.rawValue)
        if events.contains(.protectedModeExit) {
            protectedGroup = nil
            queueTick()
        }
    }

    /// `sched_process_csg_irq_locked` and `cs_slot_process_irq_locked`.
    private mutating func processGroupEvents(_ slot: Int) {
        let groupEvents = GroupRequest(rawValue: RequestAcknowledge.pending(
            req: gpu.interface.groups[slot].input.req, ack: gpu.interface.groups[slot].output.ack, mask: GroupRequest.eventMask.rawValue))
        gpu.interface.groups[slot].input.req = RequestAcknowledge.update(req: gpu.interface.groups[slot].input.req, value: gpu.interface.groups[slot].output.ack,
                                                               mask: groupEvents.rawValue)
        let streams = gpu.interface.groups[slot].output.csIRQReq ^ gpu.interface.groups[slot].input.csIRQAck
        gpu.interface.groups[slot].input.csIRQAck = gpu.interface.groups[slot].output.csIRQReq
        guard let handle = slots[slot], groups.contains(handle) else { return }
        // The signalled streams' bits, lowest first, as a walk over every stream would meet them.
        var signalled = streams
        let count = gpu.interface.groups[slot].streams.count
        while signalled != 0 {
            let stream = signalled.trailingZeroBitCount
            signalled &= signalled - 1
            guard stream < count else { break }
            processStreamEvents(slot: slot, stream: stream, group: handle)
        }
        // Failing a group or noting its protected request releases nothing: still there.
        if groupEvents.contains(.syncUpdate) || gpu.rings.update(handle.ringSet, { $0.hasWork }) == false { queueTick() }
    }

    private mutating func processStreamEvents(slot: Int, stream: Int, group: GroupHandle) {
        let events = gpu.interface.groups[slot].streams[stream].pendingEvents
        if !events.intersection([.fault, .fatal]).isEmpty {
            // Panthor acknowledges FATAL and FAULT here, and only those.
            gpu.interface.groups[slot].streams[stream].input.req = RequestAcknowledge.update(
                req: gpu.interface.groups[slot].streams[stream].input.req, value: gpu.interface.groups[slot].streams[stream].output.ack,
                mask: StreamRequest([.fault, .fatal]).rawValue)
            let fault = gpu.rings.update(group.ringSet) { $0.lastFault(queue: stream) } ?? nil
            failGroup(group, .jobFault(fault ?? .bus(.init(master: .gpu, address: .init(0), size: 0, kind: .read, source: "gpu", reason: "unknown"))))
        }
        if events.contains(.protectedModePending) {
            processProtectedModePending(group: group, queue: stream)
        }
    }

    /// `cs_slot_process_protm_pending_event_locked`: remember the queue and tick at once. The
    /// event itself stays unacknowledged until the tick acknowledges it for the top group.
    /// Without protected memory the RFC WARNs and patch 7 returns early: the job stays
    /// blocked. Patch 7's review makes the queue fatal instead, so the group leaves its slot.
    private mutating func processProtectedModePending(group: GroupHandle, queue: Int) {
        guard protectedMemoryReady, groups.update(group, { $0.protectedSuspendBuffer != nil }) == true else {
            record(.protectedModePendingIgnored(group, queue: queue))
            if configuration.protectedModeScheduling == .seriesV1Reviewed { failGroup(group, .protectedModeUnavailable) }
            return
        }
        groups.update(group) { $0.protectedPendingMask |= 1 << UInt32(queue) }
        record(.protectedModePending(group, queue: queue))
        queueTick()
    }

    /// Whether protected mode can be entered at all: a source, and the firmware's PROT
    /// sections in place (under the userspace design, once userspace has handed them in).
    @inline(__always)
    var protectedMemoryReady: Bool {
        guard source != nil, let firmware else { return false }
        return firmware.protectedSectionsPlaced && firmware.hasProtectedSections
    }

    /// The GPU interrupt. A protected-mode fault is handled as the 2026 series does: the
    /// interrupt is masked, the group running protected fails, and the GPU is reset (mainline
    /// only warns "GPU Fault in protected mode").
    mutating func handleGPUInterrupt(_ status: GPUInterrupt) {
        guard status.contains(.protectedModeFault) else { return }
        gpu.registers.gpuMask.remove(.protectedModeFault)
        let victims: Set<GroupHandle> = protectedGroup.map { [$0] } ?? []
        for handle in victims where groups.contains(handle) { failGroup(handle, .protectedModeFault(nil)) }
        scheduleReset("GPU Fault in protected mode", victims: .groups(victims, .protectedModeFault(nil)))
    }

    /// Marks a group failed: every job not yet finished fails with it.
    mutating func failGroup(_ handle: GroupHandle, _ failure: GroupFailure) {
        guard let queueCount = groups.update(handle, { $0.isFailed ? nil : $0.queueCount }) ?? nil else { return }
        groups.update(handle) { group in
            group.state = .failed(failure)
            group.protectedPendingMask = 0
        }
        record(.groupFailed(handle, failure))
        for queue in 0..<queueCount {
            let (first, end) = gpu.rings.update(handle.ringSet) { $0.cancelJobs(queue: queue) }!
            for index in first..<end {
                metrics.jobsFailed += 1
                record(.jobFailed(JobHandle(group: handle, queue: queue, sequence: UInt64(index)), .groupFailed(failure)))
            }
        }
        if groups.update(handle, { $0.slot != nil }) == true { queueTick() }
    }
}
