/// `CSG_STATE_*`: the value of a CSG's state field (bits [2:0] of its `req`/`ack`).
public enum GroupSlotState: UInt32, Hashable, Sendable, CustomStringConvertible {
    case terminate = 0
    case start = 1
    case suspend = 2
    case resume = 3

    public var description: String {
        switch self {
        case .terminate: "TERMINATE"
        case .start: "START"
        case .suspend: "SUSPEND"
        case .resume: "RESUME"
        }
    }
}

/// Bits of a CSG's `req`/`ack` pair (`CSG_*` in panthor_fw.h).
public struct GroupRequest: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `CSG_STATE_MASK`, `GENMASK(2, 0)`: a field, see ``GroupSlotState``.
    public static let stateMask = Self(rawValue: 0x7)
    public static let endpointConfig = Self(rawValue: 1 << 4)
    public static let statusUpdate = Self(rawValue: 1 << 5)
    public static let syncUpdate = Self(rawValue: 1 << 28)
    public static let idle = Self(rawValue: 1 << 29)
    public static let doorbell = Self(rawValue: 1 << 30)
    public static let progressTimerEvent = Self(rawValue: 1 << 31)

    /// `CSG_REQ_MASK`
    public static let requestMask: Self = [.stateMask, .endpointConfig, .statusUpdate]
    /// `CSG_EVT_MASK`
    public static let eventMask: Self = [.syncUpdate, .idle, .progressTimerEvent]
}

/// `CSG_EP_REQ_PRIORITY(x)`: a slot's priority lives in bits [31:28] of `endpoint_req`.
public enum GroupEndpoint {
    public static let priorityShift: UInt32 = 28
    public static let priorityMask: UInt32 = 0xf << 28
    /// `MAX_CSG_PRIO`
    public static let maximumPriority: UInt8 = 0xf
}

/// `struct panthor_fw_csg_control_iface` (the fields the model uses).
public struct GroupControl: Hashable, Sendable {
    public var features: UInt32
    /// `suspend_size`: bytes of the normal suspend buffer.
    public var suspendSize: UInt32
    /// `protm_suspend_size`: bytes of the protected suspend buffer.
    public var protectedSuspendSize: UInt32
    /// `stream_num`: CS slots per CSG, 8...32.
    public var streamCount: Int
}

/// `struct panthor_fw_csg_input_iface` (the fields the model uses), written by the host.
public struct GroupInput: Hashable, Sendable {
    public var req: UInt32 = 0
    public var ackIRQMask: UInt32 = 0
    public var doorbellReq: UInt32 = 0
    /// One bit per CS: the host's answer to ``GroupOutput/csIRQReq``.
    public var csIRQAck: UInt32 = 0
    public var endpointReq: UInt32 = 0
    /// `suspend_buf`: MCU VA of the normal suspend buffer.
    public var suspendBuffer: UInt64 = 0
    /// `protm_suspend_buf`: MCU VA of the protected suspend buffer (0 when none).
    public var protectedSuspendBuffer: UInt64 = 0
}

/// `struct panthor_fw_csg_output_iface` (the fields the model uses), written by the firmware.
public struct GroupOutput: Hashable, Sendable {
    public var ack: UInt32 = 0
    public var doorbellAck: UInt32 = 0
    /// One bit per CS, toggled by the firmware when that CS has events for the host.
    public var csIRQReq: UInt32 = 0
    public var statusState: UInt32 = 0
}

/// One CSG slot's interface and its streams'.
public struct GroupInterface: Hashable, Sendable {
    public var control: GroupControl
    public var input = GroupInput()
    public var output = GroupOutput()
    public var streams: [StreamInterface]

    /// The state the host asked for, and the one the firmware has acknowledged.
    public var requestedState: GroupSlotState { GroupSlotState(rawValue: input.req & GroupRequest.stateMask.rawValue) ?? .terminate }
    public var acknowledgedState: GroupSlotState { GroupSlotState(rawValue: output.ack & GroupRequest.stateMask.rawValue) ?? .terminate }

    /// The slot priority the host last wrote, 0...0xf.
    public var priority: UInt8 { UInt8((input.endpointReq & GroupEndpoint.priorityMask) >> GroupEndpoint.priorityShift) }

    public var pendingRequests: GroupRequest {
        GroupRequest(rawValue: RequestAcknowledge.pending(req: input.req, ack: output.ack, mask: GroupRequest.requestMask.rawValue))
    }
}
