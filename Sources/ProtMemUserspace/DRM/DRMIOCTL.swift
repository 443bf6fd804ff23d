import ProtMemMemory

/// The DRM ioctls the render node answers, by number inside `DRM_IOCTL_BASE` ('d').
///
/// `drm_ioctl` finds an ioctl by `_IOC_NR` alone (the type byte is not looked at), copies in
/// as many bytes as the caller's `_IOC_SIZE` says when both sides mark the argument as input,
/// zero-fills up to the kernel's own size, and copies back as many as the caller's size says
/// when both mark it as output: an older or newer userspace struct still works (`drm_ioctl.c`).
/// A number past the driver's table, or a core number the model does not implement, is
/// `EINVAL`, the answer `drm_ioctl` gives for an unknown number.
public enum DRMIOCTL: UInt8, Sendable, CaseIterable {
    // Core ioctls (`include/uapi/drm/drm.h`) a render client uses.
    case version = 0x00
    case gemClose = 0x09
    case primeFDToHandle = 0x2e
    case syncobjCreate = 0xbf
    case syncobjDestroy = 0xc0
    case syncobjWait = 0xc3
    // `DRM_COMMAND_BASE` (0x40) + `enum drm_panthor_ioctl_id`.
    case panthorDevQuery = 0x40
    case panthorVMCreate = 0x41
    case panthorVMDestroy = 0x42
    case panthorVMBind = 0x43
    case panthorVMGetState = 0x44
    case panthorGroupCreate = 0x47
    case panthorGroupDestroy = 0x48
    case panthorGroupSubmit = 0x49
    case panthorGroupGetState = 0x4a
    /// Boris Brezillon's proposal (May 2026 review): userspace imports the buffer for the
    /// firmware's protected sections. No uAPI was posted; the model gives it the first id after
    /// mainline's last (`BO_QUERY_INFO`, 16), and the driver has it only under the
    /// userspace-import design.
    case panthorFWProtectedImport = 0x51

    /// The kernel's `_IOC_SIZE` for the request (what its table declares).
    public var kernelSize: Int {
        switch self {
        case .version: 64
        case .gemClose: 8
        case .primeFDToHandle: 12
        case .syncobjCreate, .syncobjDestroy: 8
        case .syncobjWait: 40
        case .panthorDevQuery: 16
        case .panthorVMCreate: 16
        case .panthorVMDestroy: 8
        case .panthorVMBind: 24
        case .panthorVMGetState: 8
        case .panthorGroupCreate: 64
        case .panthorGroupDestroy: 8
        case .panthorGroupSubmit: 24
        case .panthorGroupGetState: 16
        case .panthorFWProtectedImport: 8
        }
    }

    /// The kernel's direction bits: `DRM_IOW` for the two that only take input.
    public var kernelDirection: IOCTLNumber.Direction {
        self == .gemClose ? .write : [.write, .read]
    }

    /// The request as userspace builds it with the kernel's own struct size.
    public var number: IOCTLNumber {
        IOCTLNumber(direction: kernelDirection, type: UInt8(ascii: "d"), number: rawValue, size: kernelSize)!
    }

    /// The header's name.
    public var name: String {
        switch self {
        case .version: "DRM_IOCTL_VERSION"
        case .gemClose: "DRM_IOCTL_GEM_CLOSE"
        case .primeFDToHandle: "DRM_IOCTL_PRIME_FD_TO_HANDLE"
        case .syncobjCreate: "DRM_IOCTL_SYNCOBJ_CREATE"
        case .syncobjDestroy: "DRM_IOCTL_SYNCOBJ_DESTROY"
        case .syncobjWait: "DRM_IOCTL_SYNCOBJ_WAIT"
        case .panthorDevQuery: "DRM_IOCTL_PANTHOR_DEV_QUERY"
        case .panthorVMCreate: "DRM_IOCTL_PANTHOR_VM_CREATE"
        case .panthorVMDestroy: "DRM_IOCTL_PANTHOR_VM_DESTROY"
        case .panthorVMBind: "DRM_IOCTL_PANTHOR_VM_BIND"
        case .panthorVMGetState: "DRM_IOCTL_PANTHOR_VM_GET_STATE"
        case .panthorGroupCreate: "DRM_IOCTL_PANTHOR_GROUP_CREATE"
        case .panthorGroupDestroy: "DRM_IOCTL_PANTHOR_GROUP_DESTROY"
        case .panthorGroupSubmit: "DRM_IOCTL_PANTHOR_GROUP_SUBMIT"
        case .panthorGroupGetState: "DRM_IOCTL_PANTHOR_GROUP_GET_STATE"
        case .panthorFWProtectedImport: "DRM_IOCTL_PANTHOR_FW_PROTECTED_IMPORT (proposal)"
        }
    }
}

/// `enum drm_panthor_dev_query_type`, with the series' `PROTECTED_INFO` (patch 8).
public enum PanthorDevQueryType: UInt32, Sendable, CaseIterable {
    case gpuInfo = 0
    case csifInfo = 1
    case timestampInfo = 2
    case groupPrioritiesInfo = 3
    case protectedInfo = 4

    public var name: String {
        switch self {
        case .gpuInfo: "DRM_PANTHOR_DEV_QUERY_GPU_INFO"
        case .csifInfo: "DRM_PANTHOR_DEV_QUERY_CSIF_INFO"
        case .timestampInfo: "DRM_PANTHOR_DEV_QUERY_TIMESTAMP_INFO"
        case .groupPrioritiesInfo: "DRM_PANTHOR_DEV_QUERY_GROUP_PRIORITIES_INFO"
        case .protectedInfo: "DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO"
        }
    }
}

/// Flags and values of `panthor_drm.h` (and the series' patch 8) the render node checks.
public enum PanthorUAPI {
    /// The driver version the series reports (`.major = 1, .minor = 9`).
    public static let versionMajor: Int32 = 1
    public static let versionMinor: Int32 = 9
    public static let driverName = "panthor"
    public static let driverDescription = "Panthor DRM driver"

    /// `DRM_PANTHOR_PROTECTED_FEATURE_BASIC`: protected mode can be used.
    public static let protectedFeatureBasic: UInt32 = 1 << 0
    /// The proposal's readiness bit: the firmware's protected sections wait for userspace to
    /// import them (model name; the proposal posted none).
    public static let protectedFeatureFWImportNeeded: UInt32 = 1 << 1
    /// `DRM_PANTHOR_GROUP_CREATE_PROTECTED`
    public static let groupCreateProtected: UInt32 = 1 << 0

    public static let vmBindOpMapReadOnly: UInt32 = 1 << 0
    public static let vmBindOpMapNoExec: UInt32 = 1 << 1
    public static let vmBindOpMapUncached: UInt32 = 1 << 2
    public static let vmBindOpTypeMask: UInt32 = 0xf << 28
    public static let vmBindOpTypeMap: UInt32 = 0 << 28
    public static let vmBindOpTypeUnmap: UInt32 = 1 << 28
    public static let vmBindOpTypeSyncOnly: UInt32 = 2 << 28
    /// `DRM_PANTHOR_VM_BIND_ASYNC`
    public static let vmBindAsync: UInt32 = 1 << 0

    public static let syncOpHandleTypeMask: UInt32 = 0xff
    public static let syncOpHandleTypeSyncobj: UInt32 = 0
    public static let syncOpHandleTypeTimelineSyncobj: UInt32 = 1
    public static let syncOpSignal: UInt32 = 1 << 31

    public static let groupStateTimedOut: UInt32 = 1 << 0
    public static let groupStateFatalFault: UInt32 = 1 << 1
    public static let groupStateInnocent: UInt32 = 1 << 2

    /// `DRM_SYNCOBJ_CREATE_SIGNALED`
    public static let syncobjCreateSignaled: UInt32 = 1 << 0
    public static let syncobjWaitAll: UInt32 = 1 << 0
    public static let syncobjWaitForSubmit: UInt32 = 1 << 1
    public static let syncobjWaitAvailable: UInt32 = 1 << 2
    public static let syncobjWaitDeadline: UInt32 = 1 << 3
}
