/// Bits of a CS's `req`/`ack` pair (`CS_*` in panthor_fw.h).
public struct StreamRequest: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `CS_STATE_MASK`, `GENMASK(2, 0)`: `CS_STATE_STOP` 0 or `CS_STATE_START` 1.
    public static let stateMask = Self(rawValue: 0x7)
    public static let extractEvent = Self(rawValue: 1 << 4)
    public static let idleSyncWait = Self(rawValue: 1 << 8)
    /// `CS_IDLE_PROTM_PENDING`: the CS counts as idle while it waits for protected mode.
    public static let idleProtectedModePending = Self(rawValue: 1 << 9)
    public static let idleEmpty = Self(rawValue: 1 << 10)
    public static let idleResourceRequest = Self(rawValue: 1 << 11)
    public static let tilerOutOfMemory = Self(rawValue: 1 << 26)
    /// `CS_PROTM_PENDING`: the firmware tells the host the stream reached a protected region.
    public static let protectedModePending = Self(rawValue: 1 << 27)
    public static let fatal = Self(rawValue: 1 << 30)
    public static let fault = Self(rawValue: 1 << 31)

    public static let stateStart: UInt32 = 1
    public static let stateStop: UInt32 = 0

    /// `CS_REQ_MASK`
    public static let requestMask: Self = [.stateMask, .extractEvent, .idleSyncWait, .idleProtectedModePending, .idleEmpty, .idleResourceRequest]
    /// `CS_EVT_MASK`
    public static let eventMask: Self = [.tilerOutOfMemory, .protectedModePending, .fatal, .fault]
}

/// Bits of a CS's `status_wait` (`CS_STATUS_WAIT_*`).
public struct StreamWaitStatus: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static let progress = Self(rawValue: 1 << 28)
    /// `CS_STATUS_WAIT_PROTM`: blocked until the GPU is in protected mode.
    public static let protectedMode = Self(rawValue: 1 << 29)
    public static let sync64 = Self(rawValue: 1 << 30)
    public static let sync = Self(rawValue: 1 << 31)
}

/// `struct panthor_fw_cs_input_iface` (the fields the model uses), written by the host.
public struct StreamInput: Hashable, Sendable {
    public var req: UInt32 = 0
    /// `CS_CONFIG_PRIORITY(x) | CS_CONFIG_DOORBELL(x)`.
    public var config: UInt32 = 0
    public var ackIRQMask: UInt32 = 0
    /// `ringbuf_base` and its companions, reduced to which queue's ring the slot runs.
    package var ring: RingReference?
}

/// `struct panthor_fw_cs_output_iface` (the fields the model uses), written by the firmware.
public struct StreamOutput: Hashable, Sendable {
    public var ack: UInt32 = 0
    public var statusWait: StreamWaitStatus = []
    /// `CS_EXCEPTION_TYPE` of the last fault, 0 when none.
    public var fault: UInt32 = 0
}

/// One CS slot's interface.
public struct StreamInterface: Hashable, Sendable {
    public var input = StreamInput()
    public var output = StreamOutput()

    public var pendingEvents: StreamRequest {
        StreamRequest(rawValue: RequestAcknowledge.pending(req: input.req, ack: output.ack, mask: StreamRequest.eventMask.rawValue))
    }

    /// The firmware reached a protected region: `CS_STATUS_WAIT_PROTM`, and the
    /// `CS_PROTM_PENDING` event (its `ack` bit toggled, unless the event is pending already).
    package mutating func raiseProtectedModePending() {
        output.statusWait.insert(.protectedMode)
        if !pendingEvents.contains(.protectedModePending) {
            output.ack ^= StreamRequest.protectedModePending.rawValue
        }
    }

    /// Whether the host has acknowledged the last `CS_PROTM_PENDING` (the bit agrees).
    public var protectedModePendingAcknowledged: Bool {
        RequestAcknowledge.pending(req: input.req, ack: output.ack, mask: StreamRequest.protectedModePending.rawValue) == 0
    }
}
