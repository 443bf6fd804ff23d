import ProtMemDMABuf
import ProtMemMemory

/// Groups and jobs, as `DRM_IOCTL_PANTHOR_GROUP_CREATE`, `GROUP_DESTROY` and `GROUP_SUBMIT`
/// reach the scheduler.
extension PanthorCore {
    func checkUsable() throws(Errno) {
        guard probed, !unplugged else { throw .noSuchDevice }
    }

    /// `panthor_group_create`: the group's normal suspend buffer (kernel pages) and, when the
    /// device has protected memory, its protected suspend buffer of `protm_suspend_size` bytes
    /// (`panthor_fw_alloc_protm_suspend_buf_mem`, or the buffer userspace passed under the
    /// userspace design), each mapped NOEXEC in the MCU's VM. Nothing is left behind on error.
    func createGroup(vm: VMHandle, priority: GroupPriority, queueCount: Int, protectedSuspendBuffer userBuffer: DMABuf?) throws(Errno) -> GroupHandle {
        try checkUsable()
        guard vms[vm] != nil, (1...parameters.streamsPerGroup).contains(queueCount) else { throw .invalidArgument }
        let isUserspace = source?.design == .userspace
        guard userBuffer == nil || isUserspace else { throw .invalidArgument }
        guard !isUserspace || userBuffer != nil else { throw .invalidArgument }
        let handle = GroupHandle(rawValue: nextGroup)
        let mcuSpace = mmu!.mcu
        let suspend = try KernelBuffer.allocate(UInt64(parameters.suspendSize), from: environment.pages)
        var undo: [() -> Void] = [{ suspend.free() }]
        func unwind() { for step in undo.reversed() { step() } }
        guard let suspendVA = kernelVA.allocate(suspend.size) else {
            unwind()
            throw .noMemory
        }
        undo.append { [self] in kernelVA.free(suspendVA) }
        do {
            try mcuSpace.map(suspendVA, to: suspend.chunks, attributes: [.noExecute])
        } catch {
            unwind()
            throw error.errno
        }
        undo.append { _ = try? mcuSpace.unmap(suspendVA) }
        var protectedBuffer: ProtectedAllocation?
        var protectedVA: GPUVirtualRange?
        if let source {
            let request = ProtectedMemoryRequest(size: UInt64(parameters.protectedSuspendSize), purpose: .groupSuspendBuffer(group: handle.rawValue),
                                                 userBuffer: userBuffer)
            do throws(Errno) {
                let allocation = try source.allocate(request)
                protectedBuffer = allocation
                undo.append { allocation.free() }
                guard let va = kernelVA.allocate(allocation.size) else { throw .noMemory }
                undo.append { [self] in kernelVA.free(va) }
                do {
                    try mcuSpace.map(va, to: allocation.chunks, attributes: [.noExecute, .protected])
                } catch {
                    throw error.errno
                }
                protectedVA = va
            } catch {
                unwind()
                throw error
            }
        }
        nextGroup += 1
        let group = PanthorGroup(handle: handle, priority: priority, vm: vm, queueCount: queueCount, suspendBuffer: suspend,
                                 suspendBufferVA: suspendVA, protectedSuspendBuffer: protectedBuffer, protectedSuspendBufferVA: protectedVA)
        groups[handle] = group
        runOrder.append(handle)
        record(.groupCreated(handle, priority))
        return handle
    }

    /// `panthor_group_destroy`: jobs not finished fail; a group on a slot is terminated by the
    /// next tick and released once off it; one off the GPU is released now.
    func destroyGroup(_ handle: GroupHandle) throws(Errno) {
        try checkUsable()
        guard let group = groups[handle], !group.destroyed else { throw .invalidArgument }
        failGroup(group, .reset("group destroyed"))
        group.destroyed = true
        if group.slot == nil, reset == nil {
            release(group)
        } else {
            queueTick()
        }
    }

    /// Gives back a group's suspend buffers and forgets it.
    func release(_ group: PanthorGroup) {
        #if DEBUG
        precondition(loans == 0, "group \(group.handle.rawValue) released while a group or VM is lent out borrowed")
        #endif
        if let mcuSpace = mmu?.mcu {
            _ = try? mcuSpace.unmap(group.suspendBufferVA)
            if let va = group.protectedSuspendBufferVA { _ = try? mcuSpace.unmap(va) }
        }
        kernelVA.free(group.suspendBufferVA)
        if let va = group.protectedSuspendBufferVA { kernelVA.free(va) }
        group.suspendBuffer.free()
        group.protectedSuspendBuffer?.free()
        groups[group.handle] = nil
        runOrder.removeAll { $0 == group.handle }
        record(.groupDestroyed(group.handle))
    }

    /// `GROUP_SUBMIT`: appends to the queue's ring, then rings the group's doorbell when it is
    /// on a slot, or ticks to give it one. A job for a failed group fails at once.
    func submit(_ job: consuming GPUJob, to handle: GroupHandle, queue: Int) throws(Errno) -> JobHandle {
        try checkUsable()
        guard let group = groups[handle], !group.destroyed, queue >= 0, queue < group.queues.count else { throw .invalidArgument }
        let index = group.queues[queue].ring.count
        let jobHandle = JobHandle(group: handle, queue: queue, sequence: UInt64(index))
        let duration = job.duration
        if index & 0xff == 0 { group.queues[queue].ring.retire(finishedBelow: group.queues[queue].extract) }
        group.queues[queue].ring.append(PanthorQueue.Entry(job: job, remaining: duration))
        if let failure = group.failure {
            group.queues[queue].ring[index].fail(.groupFailed(failure))
            group.queues[queue].extract = group.queues[queue].ring.count
            metrics.jobsFailed += 1
            record(.jobFailed(jobHandle, .groupFailed(failure)))
            return jobHandle
        }
        if let slot = group.slot {
            ringDoorbell(slot + 1)
        } else {
            queueTick()
        }
        return jobHandle
    }

    /// Runs `body` with the group of `handle`, borrowed: no retain, no release (see
    /// ``HandleTable``); `nil` when there is no such group. `body` must not release the group.
    @inline(__always) @discardableResult
    func withGroup<R>(_ handle: GroupHandle, _ body: (PanthorGroup) throws -> R) rethrows -> R? {
        guard let group = groups.reference(handle) else { return nil }
        return try borrow(group, body)
    }

    /// Runs `body` with a group or VM the tables lend out unretained (``HandleTable/reference(_:)``).
    /// A borrowed reference is valid only while the table still holds the value, so nothing
    /// may be released while one is lent: debug builds (the tests) count the loans and
    /// ``release(_:)`` and ``releaseVM(_:)`` check there are none.
    @inline(__always)
    func borrow<Object: AnyObject, R>(_ reference: Unmanaged<Object>, _ body: (Object) throws -> R) rethrows -> R {
        #if DEBUG
        loans += 1
        defer { loans -= 1 }
        #endif
        return try reference._withUnsafeGuaranteedRef(body)
    }

    func jobProgress(_ job: JobHandle) -> JobProgress? { readEntry(job) { $0.progress } }

    func jobState(_ job: JobHandle) -> JobState? { readEntry(job) { $0.state } }

    /// `read` of the ring entry of `job`, when its group and queue hold one.
    @inline(__always)
    private func readEntry<R>(_ job: JobHandle, _ read: (borrowing PanthorQueue.Entry) -> R) -> R? {
        withGroup(job.group) { group -> R? in
            guard job.queue >= 0, job.queue < group.queues.count, job.sequence < UInt64(group.queues[job.queue].ring.count),
                  job.sequence >= UInt64(group.queues[job.queue].ring.startIndex) else { return nil }
            return read(group.queues[job.queue].ring[Int(job.sequence)])
        } ?? nil
    }
}
