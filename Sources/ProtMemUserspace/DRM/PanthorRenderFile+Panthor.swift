import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime

/// The panthor ioctls (`panthor_drv.c`, with the series' patch 8 and, under the
/// userspace-import design, Boris Brezillon's proposal).
extension PanthorRenderFile {
    // MARK: DEV_QUERY

    /// `panthor_ioctl_dev_query`: with a null pointer only the size is reported; otherwise
    /// `PANTHOR_UOBJ_SET` copies `min(size, kernel size)` bytes (a size under the struct's
    /// first-version size is `EINVAL`) and zeroes the rest of a larger user struct.
    func devQuery(_ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        guard let type = PanthorDevQueryType(rawValue: data.littleEndian(UInt32.self, at: 0)) else { throw .invalidArgument }
        let (object, minimum) = try queryObject(type)
        let size = Int(data.littleEndian(UInt32.self, at: 4))
        let pointer = data.littleEndian(UInt64.self, at: 8)
        if pointer == 0 {
            data.setLittleEndian(UInt32(object.count), at: 4)
            return
        }
        guard size >= minimum else { throw .invalidArgument }
        try Self.store(pointer, Array(object.prefix(size)), caller: caller)
        if size > object.count {
            try Self.store(pointer + UInt64(object.count), [UInt8](repeating: 0, count: size - object.count), caller: caller)
        }
    }

    /// The queried struct and its first-version size (`PANTHOR_UOBJ_MIN_SIZE`).
    private func queryObject(_ type: PanthorDevQueryType) throws(Errno) -> ([UInt8], Int) {
        switch type {
        case .protectedInfo:
            return (protectedInfo, 4)
        case .csifInfo:
            // csg_slot_count, cs_slot_count, cs_reg_count, scoreboard_slot_count,
            // unpreserved_cs_reg_count, pad.
            let parameters = CSFParameters()
            var bytes: [UInt8] = []
            for value in [UInt32(parameters.groupSlots), UInt32(parameters.streamsPerGroup), UInt32(CommandStream.registerCount), 8, 4, 0] {
                bytes.appendLittleEndian(value)
            }
            return (bytes, 24)
        case .groupPrioritiesInfo:
            // An unprivileged client may use LOW and MEDIUM (`group_priority_permit`).
            return ([0b11, 0, 0, 0], 4)
        case .gpuInfo, .timestampInfo:
            // The model keeps no GPU ID, feature or timestamp registers to report.
            throw .notSupported
        }
    }

    /// `struct drm_panthor_protected_info`. The series has `features` alone:
    /// `PROTECTED_FEATURE_BASIC` when the device has its protected heap. Under the
    /// userspace-import design the struct grows (the uAPI's rule: new fields at the end)
    /// by what the proposal's DEV_QUERY must report: `protm_suspend_size` (u32) and
    /// `fw_sections_size` (u64), with `BASIC` only once the sections are in place and
    /// `FW_IMPORT_NEEDED` until then.
    var protectedInfo: [UInt8] {
        let requirements = gpu.protectedMemoryRequirements
        let available = gpu.protectedMemoryDesign != nil && gpu.protectedModeOff == nil
        var bytes: [UInt8] = []
        if isUserspaceImport {
            var features: UInt32 = requirements.ready ? PanthorUAPI.protectedFeatureBasic : 0
            if !requirements.ready, requirements.firmwareSectionsSize > 0, !gpu.firmwareProtectedSectionsPlaced {
                features |= PanthorUAPI.protectedFeatureFWImportNeeded
            }
            bytes.appendLittleEndian(features)
            bytes.appendLittleEndian(UInt32(requirements.groupSuspendSize))
            bytes.appendLittleEndian(requirements.firmwareSectionsSize)
        } else {
            bytes.appendLittleEndian(available ? PanthorUAPI.protectedFeatureBasic : UInt32(0))
        }
        return bytes
    }

    // MARK: VMs

    /// `panthor_vm_pool_create_vm`: flags MBZ; a user VA range of 0 is the driver's pick,
    /// written back; one past what it leaves for userspace, or not page aligned, is `EINVAL`.
    func vmCreate(_ data: inout [UInt8]) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 0) == 0 else { throw .invalidArgument }
        var range = data.littleEndian(UInt64.self, at: 8)
        if range == 0 { range = Self.defaultUserVARange }
        guard range <= Self.defaultUserVARange, range % Self.pageSize == 0 else { throw .invalidArgument }
        let vm = try gpu.createVM()
        let id = state.withLock { state -> UInt32 in
            let id = state.nextVM
            state.nextVM += 1
            state.vms[id] = vm
            return id
        }
        data.setLittleEndian(id, at: 4)
        data.setLittleEndian(range, at: 8)
    }

    /// `panthor_ioctl_vm_destroy`: `EINVAL` for a non-zero pad or an unknown id.
    func vmDestroy(_ data: [UInt8]) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 4) == 0 else { throw .invalidArgument }
        let id = data.littleEndian(UInt32.self, at: 0)
        guard let vm = state.withLock({ state -> VMHandle? in
            state.bindings.removeAll { $0.vm == id }
            return state.vms.removeValue(forKey: id)
        }) else { throw .invalidArgument }
        do throws(Errno) {
            try gpu.destroyVM(vm)
        } catch .resourceBusy {
            state.withLock { $0.orphanedVMs.append(vm) }
        }
    }

    /// `panthor_ioctl_vm_get_state`: always usable in the model (binds are synchronous).
    func vmGetState(_ data: inout [UInt8]) throws(Errno) {
        let id = data.littleEndian(UInt32.self, at: 0)
        guard state.withLock({ $0.vms[id] }) != nil else { throw .invalidArgument }
        data.setLittleEndian(UInt32(0), at: 4)
    }

    /// `panthor_ioctl_vm_bind_sync` → `panthor_vm_bind_exec_sync_op` for each op; on a failure
    /// `ops.count` is set to the index that failed. Synchronous ops take no syncs, sync-only ops
    /// need `ASYNC`; `va`, `size` and `bo_offset` must be page aligned and the range inside the
    /// object (`EINVAL`). The model binds whole objects only, and does not run `ASYNC` binds
    /// (`EOPNOTSUPP`): both are its limits, listed in abi-script.md.
    func vmBind(_ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        let id = data.littleEndian(UInt32.self, at: 0)
        guard let vm = state.withLock({ $0.vms[id] }) else { throw .invalidArgument }
        guard data.littleEndian(UInt32.self, at: 4) & PanthorUAPI.vmBindAsync == 0 else { throw .notSupported }
        let ops = try Self.array(data, at: 8, minimumStride: 48, objectSize: 48, caller: caller)
        for (index, op) in ops.enumerated() {
            do throws(Errno) {
                try bindOne(op, vm: vm, id: id)
            } catch {
                data.setLittleEndian(UInt32(index), at: 12)
                throw error
            }
        }
    }

    private func bindOne(_ op: [UInt8], vm: VMHandle, id: UInt32) throws(Errno) {
        let flags = op.littleEndian(UInt32.self, at: 0)
        let handle = op.littleEndian(UInt32.self, at: 4)
        let offset = op.littleEndian(UInt64.self, at: 8)
        let va = op.littleEndian(UInt64.self, at: 16)
        let size = op.littleEndian(UInt64.self, at: 24)
        guard op.littleEndian(UInt32.self, at: 36) == 0 else { throw .invalidArgument }
        let mapFlags = PanthorUAPI.vmBindOpMapReadOnly | PanthorUAPI.vmBindOpMapNoExec | PanthorUAPI.vmBindOpMapUncached
        guard (va | size | offset) % Self.pageSize == 0 else { throw .invalidArgument }
        switch flags & PanthorUAPI.vmBindOpTypeMask {
        case PanthorUAPI.vmBindOpTypeMap:
            guard flags & ~(mapFlags | PanthorUAPI.vmBindOpTypeMask) == 0 else { throw .invalidArgument }
            guard let buffer = state.withLock({ $0.objects[handle] }) else { throw .invalidArgument }
            guard size <= buffer.size, offset <= buffer.size - size, size > 0 else { throw .invalidArgument }
            guard va < Self.defaultUserVARange, size <= Self.defaultUserVARange - va else { throw .invalidArgument }
            guard offset == 0, size == buffer.size else { throw .notSupported }
            try gpu.bind(buffer, in: vm, at: GPUVirtualAddress(va), attributes: GPUMappingAttributes(rawValue: flags & mapFlags))
            state.withLock { $0.bindings.append(Binding(vm: id, va: va, size: size, handle: handle)) }
        case PanthorUAPI.vmBindOpTypeUnmap:
            guard flags & ~PanthorUAPI.vmBindOpTypeMask == 0, handle == 0, offset == 0 else { throw .invalidArgument }
            guard state.withLock({ $0.bindings.contains { $0.vm == id && $0.va == va && $0.size == size } }) else { throw .notSupported }
            try gpu.unbind(in: vm, at: GPUVirtualAddress(va))
            state.withLock { $0.bindings.removeAll { $0.vm == id && $0.va == va } }
        default:
            throw .invalidArgument
        }
    }

    // MARK: Groups

    /// `panthor_ioctl_group_create` and `panthor_group_create`, in their order: no queues,
    /// then the queue array, then `group_priority_permit` (HIGH and REALTIME need
    /// `CAP_SYS_NICE`: `EACCES`), then priority, flags (only `GROUP_CREATE_PROTECTED`), core
    /// masks within what the GPU has and with enough cores set, the VM, each queue's priority
    /// (≤ 15), pad and ring size (a power of two in 4 KiB–64 KiB), all `EINVAL`. `PROTECTED`
    /// without protected memory is `EINVAL` (`panthor_gem_create_protected`). Under the
    /// userspace-import design a protected group names its suspend buffer's GEM handle at
    /// offset 56 (the proposal's new field), at least `protm_suspend_size` bytes.
    func groupCreate(_ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 4) > 0 else { throw .invalidArgument }
        let queues = try Self.array(data, at: 0, minimumStride: 8, objectSize: 8, caller: caller)
        let priorityValue = data[19]
        guard priorityValue <= GroupPriority.realtime.rawValue else { throw .invalidArgument }
        guard priorityValue <= GroupPriority.medium.rawValue else { throw .permissionDenied }
        let priority = GroupPriority(rawValue: priorityValue)!
        let flags = data.littleEndian(UInt32.self, at: 20)
        guard flags & ~PanthorUAPI.groupCreateProtected == 0 else { throw .invalidArgument }
        let compute = data.littleEndian(UInt64.self, at: 24)
        let fragment = data.littleEndian(UInt64.self, at: 32)
        let tiler = data.littleEndian(UInt64.self, at: 40)
        guard compute & ~Self.shaderPresent == 0, fragment & ~Self.shaderPresent == 0, tiler & ~Self.tilerPresent == 0 else { throw .invalidArgument }
        guard compute.nonzeroBitCount >= Int(data[16]), fragment.nonzeroBitCount >= Int(data[17]), tiler.nonzeroBitCount >= Int(data[18]) else {
            throw .invalidArgument
        }
        let vmID = data.littleEndian(UInt32.self, at: 48)
        guard let vm = state.withLock({ $0.vms[vmID] }) else { throw .invalidArgument }
        for queue in queues {
            let ring = queue.littleEndian(UInt32.self, at: 4)
            guard queue[0] <= 15, queue[1] == 0, queue[2] == 0, queue[3] == 0 else { throw .invalidArgument }
            guard (4096...65536).contains(ring), ring.nonzeroBitCount == 1 else { throw .invalidArgument }
        }
        let isProtected = flags & PanthorUAPI.groupCreateProtected != 0
        var suspendBuffer: DMABuf?
        if isUserspaceImport, isProtected {
            let handle = data.littleEndian(UInt32.self, at: 56)
            guard let buffer = state.withLock({ $0.objects[handle] }) else { throw .invalidArgument }
            suspendBuffer = buffer
        }
        let group = try gpu.createGroup(vm: vm, priority: priority, queues: queues.count, protectedSuspendBuffer: suspendBuffer,
                                        protected: isProtected)
        let handle = state.withLock { state -> UInt32 in
            let handle = state.nextGroup
            state.nextGroup += 1
            state.groups[handle] = (group, queues.count, vmID)
            return handle
        }
        data.setLittleEndian(handle, at: 52)
    }

    /// `panthor_group_destroy`: `EINVAL` for a non-zero pad or an unknown handle.
    func groupDestroy(_ data: [UInt8]) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 4) == 0 else { throw .invalidArgument }
        let handle = data.littleEndian(UInt32.self, at: 0)
        guard let group = state.withLock({ $0.groups.removeValue(forKey: handle) }) else { throw .invalidArgument }
        try gpu.destroyGroup(group.handle)
    }

    /// `panthor_group_get_state`: `FATAL_FAULT` for a group whose jobs faulted (the model
    /// marks queue 0 in `fatal_queues`), `TIMEDOUT` for one a timeout or reset killed.
    func groupGetState(_ data: inout [UInt8]) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 12) == 0 else { throw .invalidArgument }
        let handle = data.littleEndian(UInt32.self, at: 0)
        guard let group = state.withLock({ $0.groups[handle] }) else { throw .invalidArgument }
        var flags: UInt32 = 0
        var fatal: UInt32 = 0
        if case .failed(let reason) = gpu.groupState(group.handle) {
            switch reason {
            case .jobFault, .protectedModeFault, .protectedModeUnavailable:
                // A queue in `fatal_queues`: the review's fatal CS_PROTM_PENDING is one too.
                flags = PanthorUAPI.groupStateFatalFault
                fatal = 1
            case .protectedModeEnterTimeout, .slotUpdateTimeout:
                flags = PanthorUAPI.groupStateTimedOut
            case .reset:
                flags = PanthorUAPI.groupStateTimedOut | PanthorUAPI.groupStateInnocent
            }
        }
        data.setLittleEndian(flags, at: 4)
        data.setLittleEndian(fatal, at: 8)
    }

    /// `panthor_ioctl_group_submit`: every job is checked before any is queued
    /// (`panthor_job_create`: pad MBZ, a zero address iff a zero size, the address 64-byte
    /// and the size 8-byte aligned, `latest_flush` bits 24–30 clear, a live group that can
    /// still run, a queue it has; then each sync op: known flags and handle type, a zero
    /// timeline value for a binary syncobj, an existing syncobj — all `EINVAL`).
    func groupSubmit(_ data: [UInt8], caller: UserProcess) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 4) == 0 else { throw .invalidArgument }
        let submits = try Self.array(data, at: 8, minimumStride: 40, objectSize: 40, caller: caller)
        let handle = data.littleEndian(UInt32.self, at: 0)
        struct Planned { let queue: Int; let jobs: [GPUJob]; let signals: [UInt32] }
        var planned: [Planned] = []
        for submit in submits {
            let queue = Int(submit.littleEndian(UInt32.self, at: 0))
            let size = submit.littleEndian(UInt32.self, at: 4)
            let address = submit.littleEndian(UInt64.self, at: 8)
            let flush = submit.littleEndian(UInt32.self, at: 16)
            guard submit.littleEndian(UInt32.self, at: 20) == 0 else { throw .invalidArgument }
            guard (size == 0) == (address == 0), address % 64 == 0, size % 8 == 0, flush & 0x7f00_0000 == 0 else { throw .invalidArgument }
            guard let group = state.withLock({ $0.groups[handle] }) else { throw .invalidArgument }
            if case .failed = gpu.groupState(group.handle) { throw .invalidArgument }
            guard queue < group.queues else { throw .invalidArgument }
            var signals: [UInt32] = []
            for op in try Self.array(submit, at: 24, minimumStride: 16, objectSize: 16, caller: caller) {
                let flags = op.littleEndian(UInt32.self, at: 0)
                let syncobj = op.littleEndian(UInt32.self, at: 4)
                let type = flags & PanthorUAPI.syncOpHandleTypeMask
                guard flags & ~(PanthorUAPI.syncOpHandleTypeMask | PanthorUAPI.syncOpSignal) == 0,
                      type == PanthorUAPI.syncOpHandleTypeSyncobj || type == PanthorUAPI.syncOpHandleTypeTimelineSyncobj,
                      type != PanthorUAPI.syncOpHandleTypeSyncobj || op.littleEndian(UInt64.self, at: 8) == 0 else { throw .invalidArgument }
                // The model keeps binary syncobjs only.
                guard type == PanthorUAPI.syncOpHandleTypeSyncobj else { throw .notSupported }
                guard let fence = state.withLock({ $0.syncobjs[syncobj] }) else {
                    // A signal op's `drm_syncobj_find` fails with EINVAL, a wait's
                    // `drm_syncobj_find_fence` with ENOENT.
                    throw flags & PanthorUAPI.syncOpSignal != 0 ? .invalidArgument : .noSuchFileOrDirectory
                }
                if flags & PanthorUAPI.syncOpSignal != 0 {
                    signals.append(syncobj)
                } else {
                    switch fence {
                    case .none: throw .invalidArgument
                    case .signaled: break
                    case .job(let job):
                        // A wait on another queue's unfinished job: the model runs queues
                        // independently and has no cross-queue dependencies.
                        if !(gpu.jobProgress(job)?.isFinished ?? true), job.group != group.handle || job.queue != queue { throw .notSupported }
                    }
                }
            }
            planned.append(Planned(queue: queue, jobs: try jobs(at: address, size: size, group: handle), signals: signals))
        }
        guard let group = state.withLock({ $0.groups[handle] }) else { throw .invalidArgument }
        for plan in planned {
            var last: JobHandle?
            for job in plan.jobs { last = try gpu.submit(job, to: group.handle, queue: plan.queue) }
            if let last {
                state.withLock { state in for syncobj in plan.signals where state.syncobjs[syncobj] != nil { state.syncobjs[syncobj] = .job(last) } }
            }
        }
    }

    /// The jobs a stream becomes. The GPU fetches the stream through the group's VM: the
    /// first job reads it, so a stream where nothing is bound faults on the GPU, as the real
    /// fetch does. When the stream lies in an object the CPU can read, its instructions run
    /// (``CommandStream``); one the model cannot execute is `EINVAL`, the model's limit.
    private func jobs(at address: UInt64, size: UInt32, group: UInt32) throws(Errno) -> [GPUJob] {
        guard size > 0 else { return [GPUJob("submit \(group)")] }
        let fetch = GPUJobOperation.read(GPUVirtualAddress(address), size: UInt64(size))
        let source = state.withLock { state -> (DMABuf, UInt64)? in
            guard let vmID = state.groups[group]?.vm else { return nil }
            guard let binding = state.bindings.first(where: { $0.vm == vmID && $0.va <= address && address + UInt64(size) <= $0.va + $0.size }),
                  let buffer = state.objects[binding.handle] else { return nil }
            return (buffer, address - binding.va)
        }
        guard let (buffer, offset) = source, let mapping = try? buffer.vmap() else {
            return [GPUJob("submit \(group)", operations: [fetch])]
        }
        let read = try? mapping.read(at: offset, count: UInt64(size))
        try? mapping.unmap()
        guard let bytes = read else { return [GPUJob("submit \(group)", operations: [fetch])] }
        do {
            var jobs = try CommandStream(bytes, label: "submit \(group)").jobs
            jobs[0].operations.insert(fetch, at: 0)
            return jobs
        } catch {
            throw .invalidArgument
        }
    }

    // MARK: The proposal's import

    /// Boris Brezillon's proposal: userspace hands in the firmware's protected sections as a
    /// GEM object (after DEV_QUERY said `FW_IMPORT_NEEDED` and how many bytes). `ENOENT` for
    /// an unknown handle (as panthor's BO ioctls answer), `EINVAL` for one too small or a
    /// non-zero pad, `EBUSY` once the sections are in place. The kernel cannot tell whether
    /// the memory is protected: ordinary memory is accepted and faults at `GLB_PROTM_ENTER`.
    func fwProtectedImport(_ data: [UInt8]) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 4) == 0 else { throw .invalidArgument }
        let handle = data.littleEndian(UInt32.self, at: 0)
        guard let buffer = state.withLock({ $0.objects[handle] }) else { throw .noSuchFileOrDirectory }
        do {
            try gpu.installProtectedFirmwareBuffer(buffer)
        } catch {
            throw error.errno
        }
    }
}
