/// One render-node line: the op, the DRM descriptor it goes to, the names it refers to (GEM
/// objects, VMs, groups, syncobjs, and for `prime_import` a dma-buf descriptor), its numbers
/// (absent optional ones are their defaults) and the name it binds.
public struct ABIScriptDRMCall: Equatable, Sendable {
    public let op: String
    public let fd: String
    /// Field → name of a handle an earlier line bound.
    public let handles: [String: String]
    /// `prime_import`'s dma-buf descriptor.
    public let buffer: String?
    public let numbers: [String: UInt64]
    public let binds: String?

    public func number(_ field: String, default value: UInt64 = 0) -> UInt64 { numbers[field] ?? value }

    /// The ops, their fields, and which fields name handles or take C flag names. Order of
    /// `required` is the order problems are reported in.
    static let ops: [String: (required: [String], optional: [String])] = [
        "drm_version": (["fd"], []),
        "prime_import": (["fd", "buf", "as"], []),
        "gem_close": (["fd", "bo"], []),
        "syncobj_create": (["fd", "as"], ["flags"]),
        "syncobj_wait": (["fd", "syncobj"], ["timeout_ms", "flags"]),
        "dev_query": (["fd", "type"], ["size", "size_only"]),
        "vm_create": (["fd", "as"], ["flags", "user_va_range"]),
        "vm_destroy": (["fd", "vm"], []),
        "vm_bind": (["fd", "vm", "va", "size"], ["bo", "bo_offset", "flags", "bind_flags", "stride"]),
        "group_create": (["fd", "vm", "as"], ["queues", "priority", "flags", "suspend_bo", "ring_size", "compute_mask",
                                              "fragment_mask", "tiler_mask", "max_compute", "max_fragment", "max_tiler"]),
        "group_submit": (["fd", "group"], ["queue", "stream_addr", "stream_size", "signal", "wait", "latest_flush"]),
        "group_get_state": (["fd", "group"], []),
        "group_destroy": (["fd", "group"], []),
        "fw_protected_import": (["fd", "bo"], []),
    ]

    static let handleFields: Set<String> = ["bo", "vm", "group", "syncobj", "suspend_bo", "signal", "wait"]

    static let flagFields: [String: [String: UInt64]] = [
        "type": ABIFlagNames.devQueryTypes,
        "flags": [:], // per op, below
        "bind_flags": ABIFlagNames.vmBind,
        "priority": ABIFlagNames.groupPriority,
    ]

    static func flagNames(op: String, field: String) -> [String: UInt64]? {
        switch (op, field) {
        case ("vm_bind", "flags"): ABIFlagNames.vmBindOp
        case ("group_create", "flags"): ABIFlagNames.groupCreate
        case ("syncobj_create", "flags"): ABIFlagNames.syncobjCreate
        case ("syncobj_wait", "flags"): ABIFlagNames.syncobjWait
        case (_, "flags"): [:]
        default: flagFields[field]
        }
    }
}
