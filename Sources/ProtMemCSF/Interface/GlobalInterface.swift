/// Bits of the global interface's `req`/`ack` pair (`GLB_*` in panthor_fw.h). Bits 0–10 are
/// host requests (`GLB_REQ_MASK`), bits 20–26 firmware events (`GLB_EVT_MASK`).
public struct GlobalRequest: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let halt = Self(rawValue: 1 << 0)
    public static let configProgressTimer = Self(rawValue: 1 << 1)
    public static let configAllocEnable = Self(rawValue: 1 << 2)
    public static let configPoweroffTimer = Self(rawValue: 1 << 3)
    /// `GLB_PROTM_ENTER`: the host asks the firmware to enter protected mode.
    public static let protectedModeEnter = Self(rawValue: 1 << 4)
    public static let perfcntEnable = Self(rawValue: 1 << 5)
    public static let perfcntSample = Self(rawValue: 1 << 6)
    public static let counterEnable = Self(rawValue: 1 << 7)
    public static let ping = Self(rawValue: 1 << 8)
    public static let firmwareConfigUpdate = Self(rawValue: 1 << 9)
    public static let idleEnable = Self(rawValue: 1 << 10)
    public static let sleep = Self(rawValue: 1 << 12)
    public static let inactiveCompute = Self(rawValue: 1 << 20)
    public static let inactiveFragment = Self(rawValue: 1 << 21)
    public static let inactiveTiler = Self(rawValue: 1 << 22)
    /// `GLB_PROTM_EXIT`: the firmware tells the host it has left protected mode.
    public static let protectedModeExit = Self(rawValue: 1 << 23)
    public static let perfcntThreshold = Self(rawValue: 1 << 24)
    public static let perfcntOverflow = Self(rawValue: 1 << 25)
    public static let idle = Self(rawValue: 1 << 26)

    /// `GLB_REQ_MASK`, `GENMASK(10, 0)`.
    public static let requestMask = Self(rawValue: 0x7ff)
    /// `GLB_EVT_MASK`, `GENMASK(26, 20)`.
    public static let eventMask = Self(rawValue: 0x7f << 20)
}

/// `struct panthor_fw_global_control_iface`: read-only facts the firmware publishes.
public struct GlobalControl: Hashable, Sendable {
    /// `CSF_IFACE_VERSION(major, minor, patch)`.
    public var version: UInt32
    public var features: UInt32
    /// `group_num`: CSG slots, 3...31.
    public var groupCount: Int
}

/// `struct panthor_fw_global_input_iface` (the fields the model uses), written by the host.
public struct GlobalInput: Hashable, Sendable {
    public var req: UInt32 = 0
    /// Acknowledgements that raise `JOB_INT_GLOBAL_IF`.
    public var ackIRQMask: UInt32 = 0
    /// One bit per CSG: a toggled bit asks the firmware to look at that CSG's requests.
    public var doorbellReq: UInt32 = 0
    public var coreEnableMask: UInt64 = 0
}

/// `struct panthor_fw_global_output_iface` (the fields the model uses), written by the
/// firmware.
public struct GlobalOutput: Hashable, Sendable {
    public var ack: UInt32 = 0
    public var doorbellAck: UInt32 = 0
    public var haltStatus: UInt32 = 0
}

/// The global interface: control, input and output pages.
public struct GlobalInterface: Hashable, Sendable {
    public var control: GlobalControl
    public var input = GlobalInput()
    public var output = GlobalOutput()

    /// Requests the firmware has not answered yet.
    public var pendingRequests: GlobalRequest {
        GlobalRequest(rawValue: RequestAcknowledge.pending(req: input.req, ack: output.ack, mask: GlobalRequest.requestMask.rawValue))
    }

    /// Events the host has not acknowledged yet.
    public var pendingEvents: GlobalRequest {
        GlobalRequest(rawValue: RequestAcknowledge.pending(req: input.req, ack: output.ack, mask: GlobalRequest.eventMask.rawValue))
    }
}

extension GlobalControl {
    /// `CSF_IFACE_VERSION(major, minor, patch)`: `major << 24 | minor << 16 | patch`.
    public static func interfaceVersion(major: UInt32, minor: UInt32, patch: UInt32) -> UInt32 {
        major << 24 | minor << 16 | patch
    }
}
