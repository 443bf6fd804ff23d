@_spi(CSFHost) import ProtMemCSF
import ProtMemDMABuf
import ProtMemMemory

/// Groups and jobs, as `DRM_IOCTL_PANTHOR_GROUP_CREATE`, `GROUP_DESTROY` and `GROUP_SUBMIT`
/// reach the scheduler.
extension PanthorCore {
    @inline(__always)
    func checkUsable() throws(Errno) {
        guard probed, !unplugged else { throw .noSuchDevice }
    }

    /// `panthor_group_create`: the group's normal suspend buffer (kernel pages) and, when the
    /// device has protected memory, its protected suspend buffer of `protm_suspend_size` bytes
    /// (`panthor_fw_alloc_protm_suspend_buf_mem`, or the buffer userspace passed under the
    /// userspace design), each mapped NOEXEC in the MCU's VM. Nothing is left behind on error.
    ///
    /// `protected` is the series' `DRM_PANTHOR_GROUP_CREATE_PROTECTED` (patch 8): only a group
    /// created with it gets a protected suspend buffer, and without protected memory asking
    /// for one is `EINVAL` (`panthor_gem_create_protected` finds no heap). `nil` is the RFC,
    /// which gives every group one whenever the device has protected memory.
    mutating func createGroup(vm: VMHandle, priority: GroupPriority, queueCount: Int, protectedSuspendBuffer userBuffer: DMABuf?,
                              protected: Bool? = nil) throws(Errno) -> GroupHandle {
        try checkUsable()
        guard vms.contains(vm), (1...parameters.streamsPerGroup).contains(queueCount) else { throw .invalidArgument }
        let isUserspace = source?.design == .userspace
        if protected == true, source == nil || protectedModeOff != nil { throw .invalidArgument }
        let wantsProtected = protected ?? true
        guard userBuffer == nil || (isUserspace && wantsProtected) else { throw .invalidArgument }
        guard !isUserspace || !wantsProtected || userBuffer != nil else { throw .invalidArgument }
        let handle = GroupHandle(rawValue: nextGroup)
        let mcuSpace = mmu!.mcu
        var taken = GroupCreation(suspend: try KernelBuffer.allocate(UInt64(parameters.suspendSize), from: environment.pages))
        guard let suspendVA = kernelVA.allocate(taken.suspend.size) else {
            unwind(taken, in: mcuSpace)
            throw .noMemory
        }
        taken.suspendVA = suspendVA
        do {
            try mcuSpace.map(suspendVA, to: taken.suspend.chunks, attributes: [.noExecute])
        } catch {
            unwind(taken, in: mcuSpace)
            throw error.errno
        }
        taken.suspendMapped = true
        var protectedVA: GPUVirtualRange?
        if let source, wantsProtected {
            let request = ProtectedMemoryRequest(size: UInt64(parameters.protectedSuspendSize), purpose: .groupSuspendBuffer(group: handle.rawValue),
                                                 userBuffer: userBuffer)
            do throws(Errno) {
                let allocation = try source.allocate(request)
                taken.protectedBuffer = allocation
                guard let va = kernelVA.allocate(allocation.size) else { throw .noMemory }
                taken.protectedVA = va
                do {
                    try mcuSpace.map(va, to: allocation.chunks, attributes: [.noExecute, .protected])
                } catch {
                    throw error.errno
                }
                protectedVA = va
            } catch {
                unwind(taken, in: mcuSpace)
                throw error
            }
        }
        nextGroup += 1
        gpu.rings.insert(CommandRingSet(space: vms[vm]!.space, queueCount: queueCount), for: handle.ringSet)
        let group = PanthorGroup(handle: handle, priority: priority, vm: vm, queueCount: queueCount, suspendBuffer: taken.suspend,
                                 suspendBufferVA: suspendVA, protectedSuspendBuffer: taken.protectedBuffer, protectedSuspendBufferVA: protectedVA)
        groups.insert(group, for: handle)
        runOrder.append(handle)
        record(.groupCreated(handle, priority))
        return handle
    }

    /// What ``createGroup(vm:priority:queueCount:protectedSuspendBuffer:)`` has taken so far.
    private struct GroupCreation {
        let suspend: KernelBuffer
        var suspendVA: GPUVirtualRange?
        var suspendMapped = false
        var protectedBuffer: ProtectedAllocation?
        var protectedVA: GPUVirtualRange?
    }

    /// Gives back what a failed group creation took, the last taken first.
    private mutating func unwind(_ taken: GroupCreation, in mcuSpace: GPUAddressSpace) {
        if let va = taken.protectedVA { kernelVA.free(va) }
        taken.protectedBuffer?.free()
        if taken.suspendMapped, let va = taken.suspendVA { _ = try? mcuSpace.unmap(va) }
        if let va = taken.suspendVA { kernelVA.free(va) }
        taken.suspend.free()
    }

    /// `panthor_group_destroy`: jobs not finished fail; a group on a slot is terminated by the
    /// next tick and released once off it; one off the GPU is released now.
    mutating func destroyGroup(_ handle: GroupHandle) throws(Errno) {
        try checkUsable()
        guard groups.update(handle, { $0.destroyed }) == false else { throw .invalidArgument }
        failGroup(handle, .reset("group destroyed"))
        let onSlot = groups.update(handle) { group in
            group.destroyed = true
            return group.slot != nil
        }!
        if !onSlot, reset == nil {
            release(handle)
        } else {
            queueTick()
        }
    }

    /// Gives back a group's suspend buffers and forgets it.
    mutating func release(_ handle: GroupHandle) {
        guard let group = groups[handle] else { return }
        if let mcuSpace = mmu?.mcu {
            _ = try? mcuSpace.unmap(group.suspendBufferVA)
            if let va = group.protectedSuspendBufferVA { _ = try? mcuSpace.unmap(va) }
        }
        kernelVA.free(group.suspendBufferVA)
        if let va = group.protectedSuspendBufferVA { kernelVA.free(va) }
        group.suspendBuffer.free()
        group.protectedSuspendBuffer?.free()
        groups.remove(handle)
        gpu.rings.remove(handle.ringSet)
        runOrder.removeAll { $0 == handle }
        record(.groupDestroyed(handle))
    }

    /// `GROUP_SUBMIT`: appends to the queue's ring, then rings the group's doorbell when it is
    /// on a slot, or ticks to give it one. A job for a failed group fails at once.
    mutating func submit(_ job: consuming GPUJob, to handle: GroupHandle, queue: Int) throws(Errno) -> JobHandle {
        try checkUsable()
        guard let (queueCount, destroyed, failure, slot) = groups.update(handle, { ($0.queueCount, $0.destroyed, $0.failure, $0.slot) }),
              !destroyed, queue >= 0, queue < queueCount else {
            throw .invalidArgument
        }
        let duration = job.duration
        // Moved into the ring, not copied: the closure takes it out of `entry`.
        var entry: CommandStreamRing.Entry? = CommandStreamRing.Entry(job: job, remaining: duration)
        let cancelled = failure != nil
        let index = gpu.rings.update(handle.ringSet) { $0.append(entry.take()!, queue: queue, cancelled: cancelled) }!
        let jobHandle = JobHandle(group: handle, queue: queue, sequence: UInt64(index))
        if let failure {
            metrics.jobsFailed += 1
            record(.jobFailed(jobHandle, .groupFailed(failure)))
            return jobHandle
        }
        if let slot {
            ringDoorbell(slot + 1)
        } else {
            queueTick()
        }
        return jobHandle
    }

    /// Where `job` stands, from its ring in GPU memory, while its group's rings hold it.
    mutating func jobProgress(_ job: JobHandle) -> JobProgress? {
        gpu.rings.update(job.group.ringSet) { $0.progress(queue: job.queue, sequence: job.sequence) } ?? nil
    }

    mutating func jobState(_ job: JobHandle) -> JobState? {
        guard let status = gpu.rings.update(job.group.ringSet, { $0.status(queue: job.queue, sequence: job.sequence) }) ?? nil,
              let group = groups[job.group] else { return nil }
        return group.jobState(status)
    }
}
