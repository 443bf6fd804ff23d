import ProtMemMemory

extension ABIScriptCall.ReferenceKind {
    var article: String {
        switch self {
        case .descriptor: "a descriptor"
        case .mapping: "a mapping"
        case .handle: "a render-node handle"
        }
    }
}

/// The render-node ops: each builds the kernel's argument struct (arrays and strings in
/// anonymous memory the runner maps once), issues the ioctl, and prints what a real kernel
/// answers the same way (never a handle's or an address's value).
extension ABIScriptRunner {
    static let scratchLength: UInt64 = 1 << 20

    func execute(_ call: ABIScriptDRMCall) throws(Errno) -> ABIScriptResult.Outcome {
        let fd = descriptor(call.fd)
        switch call.op {
        case "drm_version":
            let base = try scratchBase()
            var data = [UInt8](repeating: 0, count: 64)
            data.setLittleEndian(UInt64(64), at: 16)
            data.setLittleEndian(base, at: 24)
            data.setLittleEndian(UInt64(128), at: 48)
            data.setLittleEndian(base + 64, at: 56)
            let out = try drm(fd, .version, data)
            let name = try text(at: base, length: min(out.littleEndian(UInt64.self, at: 16), 64))
            let description = try text(at: base + 64, length: min(out.littleEndian(UInt64.self, at: 48), 128))
            let version = "\(out.littleEndian(Int32.self, at: 0)).\(out.littleEndian(Int32.self, at: 4)).\(out.littleEndian(Int32.self, at: 8))"
            return .fields([("name", name), ("version", version), ("desc", description)])

        case "prime_import":
            var data = [UInt8](repeating: 0, count: 12)
            data.setLittleEndian(descriptor(call.buffer!).rawValue, at: 8)
            let out = try drm(fd, .primeFDToHandle, data)
            bindings[call.binds!] = .handle(out.littleEndian(UInt32.self, at: 0))

        case "gem_close":
            try drm(fd, .gemClose, pair(handle(call, "bo"), 0))

        case "syncobj_create":
            let out = try drm(fd, .syncobjCreate, pair(0, UInt32(truncatingIfNeeded: call.number("flags"))))
            bindings[call.binds!] = .handle(out.littleEndian(UInt32.self, at: 0))

        case "syncobj_wait":
            let base = try scratchBase()
            try process.store(VirtualAddress(rawValue: base), bytes: .littleEndian(handle(call, "syncobj")))
            var data = [UInt8](repeating: 0, count: 40)
            data.setLittleEndian(base, at: 0)
            let timeout = process.monotonicNanoseconds &+ call.number("timeout_ms", default: 1000) &* 1_000_000
            data.setLittleEndian(timeout, at: 8)
            data.setLittleEndian(UInt32(1), at: 16)
            data.setLittleEndian(UInt32(truncatingIfNeeded: call.number("flags")), at: 20)
            try drm(fd, .syncobjWait, data)

        case "dev_query":
            let type = UInt32(truncatingIfNeeded: call.number("type"))
            var data = [UInt8](repeating: 0, count: 16)
            data.setLittleEndian(type, at: 0)
            // A null pointer first, as Mesa asks: the kernel's size, which decides what of the
            // answer is the kernel's and what its zero fill.
            let kernelSize = Int(try drm(fd, .panthorDevQuery, data).littleEndian(UInt32.self, at: 4))
            if call.number("size_only") != 0 { return .fields([("size", String(kernelSize))]) }
            data.setLittleEndian(UInt32(truncatingIfNeeded: call.numbers["size"] ?? UInt64(kernelSize)), at: 4)
            let base = try scratchBase()
            try process.store(VirtualAddress(rawValue: base), bytes: [UInt8](repeating: 0xa5, count: 64))
            data.setLittleEndian(base, at: 8)
            try drm(fd, .panthorDevQuery, data)
            let size = Int(data.littleEndian(UInt32.self, at: 4))
            let bytes = try process.load(VirtualAddress(rawValue: base), count: UInt64(min(size, 64)))
            var fields = Self.queryFields(type: type, Array(bytes.prefix(kernelSize)))
            fields[0] = ("size", String(size))
            if bytes.count > kernelSize { fields.append(("zero_filled_hex", ABIScriptResult.hex(Array(bytes[kernelSize...])))) }
            return .fields(fields)

        case "vm_create":
            var data = [UInt8](repeating: 0, count: 16)
            data.setLittleEndian(UInt32(truncatingIfNeeded: call.number("flags")), at: 0)
            data.setLittleEndian(call.number("user_va_range"), at: 8)
            let out = try drm(fd, .panthorVMCreate, data)
            bindings[call.binds!] = .handle(out.littleEndian(UInt32.self, at: 4))
            return .fields([("user_va_range", "0x" + String(out.littleEndian(UInt64.self, at: 8), radix: 16))])

        case "vm_destroy":
            try drm(fd, .panthorVMDestroy, pair(handle(call, "vm"), 0))

        case "vm_bind":
            let base = try scratchBase()
            var op = [UInt8](repeating: 0, count: 48)
            op.setLittleEndian(UInt32(truncatingIfNeeded: call.number("flags")), at: 0)
            op.setLittleEndian(call.handles["bo"] == nil ? 0 : handle(call, "bo"), at: 4)
            op.setLittleEndian(call.number("bo_offset"), at: 8)
            op.setLittleEndian(call.number("va"), at: 16)
            op.setLittleEndian(call.number("size"), at: 24)
            try process.store(VirtualAddress(rawValue: base), bytes: op)
            var data = [UInt8](repeating: 0, count: 24)
            data.setLittleEndian(handle(call, "vm"), at: 0)
            data.setLittleEndian(UInt32(truncatingIfNeeded: call.number("bind_flags")), at: 4)
            data.setLittleEndian(UInt32(truncatingIfNeeded: call.number("stride", default: 48)), at: 8)
            data.setLittleEndian(UInt32(1), at: 12)
            data.setLittleEndian(base, at: 16)
            try drm(fd, .panthorVMBind, data)

        case "group_create":
            let base = try scratchBase()
            let queues = Int(call.number("queues", default: 1))
            var array: [UInt8] = []
            for _ in 0..<min(queues, 64) {
                array += [0, 0, 0, 0]
                array.appendLittleEndian(UInt32(truncatingIfNeeded: call.number("ring_size", default: 65536)))
            }
            try process.store(VirtualAddress(rawValue: base), bytes: array)
            // The series' struct is 56 bytes; the proposal's suspend-buffer handle makes it 64.
            var data = [UInt8](repeating: 0, count: call.handles["suspend_bo"] == nil ? 56 : 64)
            data.setLittleEndian(UInt32(8), at: 0)
            data.setLittleEndian(UInt32(queues), at: 4)
            data.setLittleEndian(base, at: 8)
            data[16] = UInt8(truncatingIfNeeded: call.number("max_compute", default: 1))
            data[17] = UInt8(truncatingIfNeeded: call.number("max_fragment", default: 1))
            data[18] = UInt8(truncatingIfNeeded: call.number("max_tiler", default: 1))
            data[19] = UInt8(truncatingIfNeeded: call.number("priority", default: 1))
            data.setLittleEndian(UInt32(truncatingIfNeeded: call.number("flags")), at: 20)
            data.setLittleEndian(call.number("compute_mask", default: 0x50005), at: 24)
            data.setLittleEndian(call.number("fragment_mask", default: 0x50005), at: 32)
            data.setLittleEndian(call.number("tiler_mask", default: 0x1), at: 40)
            data.setLittleEndian(handle(call, "vm"), at: 48)
            if call.handles["suspend_bo"] != nil { data.setLittleEndian(handle(call, "suspend_bo"), at: 56) }
            let out = try drm(fd, .panthorGroupCreate, data)
            bindings[call.binds!] = .handle(out.littleEndian(UInt32.self, at: 52))

        case "group_submit":
            let base = try scratchBase()
            var syncs: [UInt8] = []
            if call.handles["signal"] != nil {
                syncs.appendLittleEndian(UInt32(1) << 31)
                syncs.appendLittleEndian(handle(call, "signal"))
                syncs.appendLittleEndian(UInt64(0))
            }
            if call.handles["wait"] != nil {
                syncs.appendLittleEndian(UInt32(0))
                syncs.appendLittleEndian(handle(call, "wait"))
                syncs.appendLittleEndian(UInt64(0))
            }
            try process.store(VirtualAddress(rawValue: base + 256), bytes: syncs.isEmpty ? [0] : syncs)
            var submit = [UInt8](repeating: 0, count: 40)
            submit.setLittleEndian(UInt32(truncatingIfNeeded: call.number("queue")), at: 0)
            submit.setLittleEndian(UInt32(truncatingIfNeeded: call.number("stream_size")), at: 4)
            submit.setLittleEndian(call.number("stream_addr"), at: 8)
            submit.setLittleEndian(UInt32(truncatingIfNeeded: call.number("latest_flush")), at: 16)
            submit.setLittleEndian(UInt32(16), at: 24)
            submit.setLittleEndian(UInt32(syncs.count / 16), at: 28)
            submit.setLittleEndian(base + 256, at: 32)
            try process.store(VirtualAddress(rawValue: base), bytes: submit)
            var data = [UInt8](repeating: 0, count: 24)
            data.setLittleEndian(handle(call, "group"), at: 0)
            data.setLittleEndian(UInt32(40), at: 8)
            data.setLittleEndian(UInt32(1), at: 12)
            data.setLittleEndian(base, at: 16)
            try drm(fd, .panthorGroupSubmit, data)

        case "group_get_state":
            var data = [UInt8](repeating: 0, count: 16)
            data.setLittleEndian(handle(call, "group"), at: 0)
            let out = try drm(fd, .panthorGroupGetState, data)
            let state = out.littleEndian(UInt32.self, at: 4)
            var names: [String] = []
            if state & 1 != 0 { names.append("DRM_PANTHOR_GROUP_STATE_TIMEDOUT") }
            if state & 2 != 0 { names.append("DRM_PANTHOR_GROUP_STATE_FATAL_FAULT") }
            if state & 4 != 0 { names.append("DRM_PANTHOR_GROUP_STATE_INNOCENT") }
            return .fields([("state", names.isEmpty ? "0" : names.joined(separator: "|")),
                            ("fatal_queues", "0x" + String(out.littleEndian(UInt32.self, at: 8), radix: 16))])

        case "group_destroy":
            try drm(fd, .panthorGroupDestroy, pair(handle(call, "group"), 0))

        default: // "fw_protected_import"; `ABIScriptDRMCall.ops` lists no other op
            try drm(fd, .panthorFWProtectedImport, pair(handle(call, "bo"), 0))
        }
        return .ok
    }

    /// Issues `request` with `data` as its argument (its size the request's size) and
    /// returns what the kernel left there.
    @discardableResult
    private func drm(_ fd: FileDescriptor, _ request: DRMIOCTL, _ data: [UInt8]) throws(Errno) -> [UInt8] {
        let number = IOCTLNumber(direction: request.kernelDirection, type: UInt8(ascii: "d"), number: request.rawValue, size: data.count)!
        let argument = UserBuffer(data)
        try process.ioctl(fd, number, argument)
        return argument.bytes
    }

    private func pair(_ first: UInt32, _ second: UInt32) -> [UInt8] {
        var data = [UInt8].littleEndian(first)
        data.appendLittleEndian(second)
        return data
    }

    /// The value a handle field's name was bound to (the runner checked its kind).
    private func handle(_ call: ABIScriptDRMCall, _ field: String) -> UInt32 {
        guard let name = call.handles[field], case .handle(let value) = bindings[name] else { return 0 }
        return value
    }

    private func scratchBase() throws(Errno) -> UInt64 {
        if let scratch { return scratch.rawValue }
        let address = try process.mmap(length: Self.scratchLength, protection: [.read, .write], flags: [.private, .anonymous],
                                       fd: .invalid, offset: 0)
        scratch = address
        return address.rawValue
    }

    private func text(at address: UInt64, length: UInt64) throws(Errno) -> String {
        guard length > 0 else { return "" }
        return String(decoding: try process.load(VirtualAddress(rawValue: address), count: length), as: UTF8.self)
    }

    /// What a query returned, field by field for the protected info (and as hex otherwise).
    static func queryFields(type: UInt32, _ bytes: [UInt8]) -> [(key: String, value: String)] {
        var fields: [(key: String, value: String)] = [("size", String(bytes.count))]
        guard type == PanthorDevQueryType.protectedInfo.rawValue, bytes.count >= 4 else {
            fields.append(("hex", ABIScriptResult.hex(bytes)))
            return fields
        }
        let features = bytes.littleEndian(UInt32.self, at: 0)
        var names: [String] = []
        if features & PanthorUAPI.protectedFeatureBasic != 0 { names.append("DRM_PANTHOR_PROTECTED_FEATURE_BASIC") }
        if features & PanthorUAPI.protectedFeatureFWImportNeeded != 0 { names.append("FW_IMPORT_NEEDED") }
        let rest = features & ~(PanthorUAPI.protectedFeatureBasic | PanthorUAPI.protectedFeatureFWImportNeeded)
        if rest != 0 { names.append("0x" + String(rest, radix: 16)) }
        fields.append(("features", names.isEmpty ? "0" : names.joined(separator: "|")))
        if bytes.count >= 8 { fields.append(("protm_suspend_size", String(bytes.littleEndian(UInt32.self, at: 4)))) }
        if bytes.count >= 16 { fields.append(("fw_sections_size", String(bytes.littleEndian(UInt64.self, at: 8)))) }
        return fields
    }
}
