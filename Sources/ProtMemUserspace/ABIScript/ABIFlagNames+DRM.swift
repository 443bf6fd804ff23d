/// The C names the render-node ops take (`include/uapi/drm/drm.h`, `panthor_drm.h` with the
/// series' patch 8).
extension ABIFlagNames {
    static let devQueryTypes: [String: UInt64] = [
        "DRM_PANTHOR_DEV_QUERY_GPU_INFO": 0, "DRM_PANTHOR_DEV_QUERY_CSIF_INFO": 1,
        "DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO": 2, "DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO": 3,
        "DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO": 4,
    ]

    static let vmBindOp: [String: UInt64] = [
        "DRM_PANTHOR_VM_BIND_OP_MAP_READONLY": 1 << 0, "DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC": 1 << 1,
        "DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED": 1 << 2, "DRM_PANTHOR_VM_BIND_OP_TYPE_MAP": 0,
        "DRM_PANTHOR_VM_BIND_OP_TYPE_UNMAP": 1 << 28, "DRM_PANTHOR_VM_BIND_OP_TYPE_SYNC_ONLY": 2 << 28,
    ]

    static let vmBind: [String: UInt64] = ["DRM_PANTHOR_VM_BIND_ASYNC": 1]

    static let groupCreate: [String: UInt64] = ["DRM_PANTHOR_GROUP_CREATE_PROTECTED": 1]

    static let groupPriority: [String: UInt64] = [
        "PANTHOR_GROUP_PRIORITY_LOW": 0, "PANTHOR_GROUP_PRIORITY_MEDIUM": 1,
        "PANTHOR_GROUP_PRIORITY_HIGH": 2, "PANTHOR_GROUP_PRIORITY_REALTIME": 3,
    ]

    static let syncobjCreate: [String: UInt64] = ["DRM_SYNCOBJ_CREATE_SIGNALED": 1]

    static let syncobjWait: [String: UInt64] = [
        "DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL": 1 << 0, "DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT": 1 << 1,
        "DRM_SYNCOBJ_WAIT_FLAGS_WAIT_AVAILABLE": 1 << 2, "DRM_SYNCOBJ_WAIT_FLAGS_WAIT_DEADLINE": 1 << 3,
    ]
}
