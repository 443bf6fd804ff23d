import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime

extension PanthorRenderFile {
    /// The model's GPU as `DEV_QUERY_GPU_INFO` would describe it: RK3588's Mali-G610 MC4.
    static let shaderPresent: UInt64 = 0x50005
    static let tilerPresent: UInt64 = 0x1
    /// The user VA range the driver picks when userspace passes 0 (half the 48-bit space;
    /// the kernel keeps the rest for its own objects).
    static let defaultUserVARange: UInt64 = 1 << 47
    static let pageSize: UInt64 = 4096
    /// `kvmalloc_array`'s limit as the model has it: arrays over 256 MiB are `ENOMEM`.
    static let arrayLimit = 1 << 28

    /// `drm_ioctl`: size and direction handling, then the handler, then the copy back (made
    /// even when the handler failed, as `VM_BIND` relies on to report how far it got).
    func ioctl(_ request: IOCTLNumber, _ argument: UserBuffer?, caller: UserProcess) throws(Errno) -> Int32 {
        guard let ioctl = DRMIOCTL(rawValue: request.number), ioctl != .panthorFWProtectedImport || isUserspaceImport else {
            throw .invalidArgument
        }
        let userSize = request.size
        let inSize = request.direction.contains(.write) && ioctl.kernelDirection.contains(.write) ? userSize : 0
        let outSize = request.direction.contains(.read) && ioctl.kernelDirection.contains(.read) ? userSize : 0
        var data = [UInt8](repeating: 0, count: max(inSize, outSize, ioctl.kernelSize))
        if inSize > 0 {
            let bytes = try UserCopy.from(argument, count: inSize)
            data.replaceSubrange(0..<inSize, with: bytes)
        }
        var failure: Errno?
        do throws(Errno) {
            try handle(ioctl, &data, caller: caller)
        } catch {
            failure = error
        }
        if outSize > 0 { try UserCopy.to(argument, data[0..<outSize]) }
        if let failure { throw failure }
        return 0
    }

    var isUserspaceImport: Bool { gpu.protectedMemoryDesign == .userspace }

    private func handle(_ ioctl: DRMIOCTL, _ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        guard !state.withLock({ $0.closed }) else { throw .badFileDescriptor }
        reapOrphanedVMs()
        switch ioctl {
        case .version: try version(&data, caller: caller)
        case .gemClose: try gemClose(data)
        case .primeFDToHandle: try primeFDToHandle(&data, caller: caller)
        case .syncobjCreate: try syncobjCreate(&data)
        case .syncobjDestroy: try syncobjDestroy(data)
        case .syncobjWait: try syncobjWait(&data, caller: caller)
        case .panthorDevQuery: try devQuery(&data, caller: caller)
        case .panthorVMCreate: try vmCreate(&data)
        case .panthorVMDestroy: try vmDestroy(data)
        case .panthorVMBind: try vmBind(&data, caller: caller)
        case .panthorVMGetState: try vmGetState(&data)
        case .panthorGroupCreate: try groupCreate(&data, caller: caller)
        case .panthorGroupDestroy: try groupDestroy(data)
        case .panthorGroupSubmit: try groupSubmit(data, caller: caller)
        case .panthorGroupGetState: try groupGetState(&data)
        case .panthorFWProtectedImport: try fwProtectedImport(data)
        }
    }

    // MARK: User memory

    /// `copy_from_user` from a user pointer; a null pointer or an unmapped byte is `EFAULT`.
    static func load(_ address: UInt64, _ count: Int, caller: UserProcess) throws(Errno) -> [UInt8] {
        guard count > 0 else { return [] }
        guard address != 0 else { throw .badAddress }
        return try caller.load(VirtualAddress(rawValue: address), count: UInt64(count))
    }

    static func store(_ address: UInt64, _ bytes: [UInt8], caller: UserProcess) throws(Errno) {
        guard !bytes.isEmpty else { return }
        guard address != 0 else { throw .badAddress }
        try caller.store(VirtualAddress(rawValue: address), bytes: bytes)
    }

    /// `panthor_get_uobj_array`: the `drm_panthor_obj_array` at `offset`, each element
    /// `objectSize` bytes (`copy_struct_from_user` when the strides differ: shorter is
    /// zero-extended, longer must be zero past what the kernel knows, else `E2BIG`).
    static func array(_ data: [UInt8], at offset: Int, minimumStride: Int, objectSize: Int, caller: UserProcess) throws(Errno) -> [[UInt8]] {
        let stride = Int(data.littleEndian(UInt32.self, at: offset))
        let count = Int(data.littleEndian(UInt32.self, at: offset + 4))
        let address = data.littleEndian(UInt64.self, at: offset + 8)
        guard count > 0 else { return [] }
        guard stride >= minimumStride else { throw .invalidArgument }
        guard count <= arrayLimit / objectSize else { throw .noMemory }
        let (total, overflow) = UInt64(stride).multipliedReportingOverflow(by: UInt64(count))
        guard !overflow, total <= UInt64(Int.max) else { throw .badAddress }
        let bytes = try load(address, Int(total), caller: caller)
        var elements: [[UInt8]] = []
        elements.reserveCapacity(count)
        for index in 0..<count {
            let element = bytes[index * stride..<(index + 1) * stride]
            if stride > objectSize, element.dropFirst(objectSize).contains(where: { $0 != 0 }) { throw .argumentListTooLong }
            var object = Array(element.prefix(objectSize))
            if object.count < objectSize { object += [UInt8](repeating: 0, count: objectSize - object.count) }
            elements.append(object)
        }
        return elements
    }

    // MARK: Core ioctls

    /// `drm_version`: `drm_copy_field` copies at most the caller's length and reports the
    /// whole length back; the date is "0" since drivers dropped theirs (6.14).
    private func version(_ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        data.setLittleEndian(PanthorUAPI.versionMajor, at: 0)
        data.setLittleEndian(PanthorUAPI.versionMinor, at: 4)
        data.setLittleEndian(Int32(0), at: 8)
        for (field, value) in [(16, PanthorUAPI.driverName), (32, "0"), (48, PanthorUAPI.driverDescription)] {
            let bytes = Array(value.utf8)
            let room = data.littleEndian(UInt64.self, at: field)
            let pointer = data.littleEndian(UInt64.self, at: field + 8)
            data.setLittleEndian(UInt64(bytes.count), at: field)
            let length = Int(min(room, UInt64(bytes.count)))
            if length > 0, pointer != 0 { try Self.store(pointer, Array(bytes.prefix(length)), caller: caller) }
        }
    }

    /// `drm_gem_close_ioctl` → `drm_gem_handle_delete`: `EINVAL` for a handle this file
    /// does not have. A mapping keeps its own reference, so a bound buffer stays bound.
    private func gemClose(_ data: [UInt8]) throws(Errno) {
        let handle = data.littleEndian(UInt32.self, at: 0)
        guard let buffer = state.withLock({ $0.objects.removeValue(forKey: handle) }) else { throw .invalidArgument }
        try? buffer.put()
    }

    /// `drm_gem_prime_fd_to_handle`: `dma_buf_get` answers `EBADF` for a bad descriptor and
    /// `EINVAL` for a file that is not a dma-buf; a dma-buf this file already imported gets
    /// the handle it had (`drm_prime_lookup_buf_handle`).
    private func primeFDToHandle(_ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        let fd = FileDescriptor(rawValue: data.littleEndian(Int32.self, at: 8))
        let file = try caller.fget(fd)
        defer { file.release() }
        guard case .dmaBuf(let buffer) = file.object else { throw .invalidArgument }
        let handle = try state.withLock { state throws(Errno) -> UInt32 in
            if let (handle, _) = state.objects.first(where: { $0.value === buffer }) { return handle }
            try buffer.get()
            let handle = state.nextObject
            state.nextObject += 1
            state.objects[handle] = buffer
            return handle
        }
        data.setLittleEndian(handle, at: 0)
    }

    /// `drm_syncobj_create_ioctl`: only `DRM_SYNCOBJ_CREATE_SIGNALED` is a flag.
    private func syncobjCreate(_ data: inout [UInt8]) throws(Errno) {
        let flags = data.littleEndian(UInt32.self, at: 4)
        guard flags & ~PanthorUAPI.syncobjCreateSignaled == 0 else { throw .invalidArgument }
        let handle = state.withLock { state -> UInt32 in
            let handle = state.nextSyncobj
            state.nextSyncobj += 1
            state.syncobjs[handle] = flags != 0 ? .signaled : Fence.none
            return handle
        }
        data.setLittleEndian(handle, at: 0)
    }

    /// `drm_syncobj_destroy_ioctl`: `EINVAL` for a non-zero pad or an unknown handle.
    private func syncobjDestroy(_ data: [UInt8]) throws(Errno) {
        guard data.littleEndian(UInt32.self, at: 4) == 0 else { throw .invalidArgument }
        let handle = data.littleEndian(UInt32.self, at: 0)
        guard state.withLock({ $0.syncobjs.removeValue(forKey: handle) }) != nil else { throw .invalidArgument }
    }

    /// `drm_syncobj_wait_ioctl`: the deadline is absolute on `CLOCK_MONOTONIC` (the model's
    /// virtual clock); waiting runs the GPU's events until the fences signal or the deadline
    /// passes (`ETIME`). Unknown handles are `ENOENT`; a syncobj with no fence is `EINVAL`
    /// unless `WAIT_FOR_SUBMIT` (and then, with nothing else submitting, it times out).
    private func syncobjWait(_ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        let handlesPointer = data.littleEndian(UInt64.self, at: 0)
        let timeout = data.littleEndian(Int64.self, at: 8)
        let count = Int(data.littleEndian(UInt32.self, at: 16))
        let flags = data.littleEndian(UInt32.self, at: 20)
        let known = PanthorUAPI.syncobjWaitAll | PanthorUAPI.syncobjWaitForSubmit | PanthorUAPI.syncobjWaitDeadline
        guard flags & ~known == 0 else { throw .invalidArgument }
        guard count > 0 else { throw .invalidArgument }
        guard count <= Self.arrayLimit / 4 else { throw .noMemory }
        let raw = try Self.load(handlesPointer, count * 4, caller: caller)
        let handles = (0..<count).map { raw.littleEndian(UInt32.self, at: $0 * 4) }
        let fences = try state.withLock { state throws(Errno) -> [Fence] in
            var fences: [Fence] = []
            for handle in handles {
                guard let fence = state.syncobjs[handle] else { throw .noSuchFileOrDirectory }
                fences.append(fence)
            }
            return fences
        }
        if flags & PanthorUAPI.syncobjWaitForSubmit == 0, fences.contains(where: { if case .none = $0 { true } else { false } }) {
            throw .invalidArgument
        }
        let events = gpu.events
        let deadline = VirtualInstant(rawValue: timeout <= 0 ? 0 : UInt64(timeout))
        let waitAll = flags & PanthorUAPI.syncobjWaitAll != 0
        while true {
            let signaled = fences.map { fence -> Bool in
                switch fence {
                case .none: false
                case .signaled: true
                case .job(let job): gpu.jobProgress(job)?.isFinished ?? true
                }
            }
            if waitAll ? !signaled.contains(false) : signaled.contains(true) {
                data.setLittleEndian(UInt32(signaled.firstIndex(of: true) ?? 0), at: 24)
                return
            }
            if events.now >= deadline || !events.runNext(notAfter: deadline) {
                if events.now < deadline { events.run(until: deadline) }
                throw .timerExpired
            }
        }
    }
}
