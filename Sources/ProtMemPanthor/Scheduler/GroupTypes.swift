/// Names one group (`DRM_IOCTL_PANTHOR_GROUP_CREATE`'s handle).
public struct GroupHandle: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "group \(rawValue)" }
}

/// `enum drm_panthor_group_priority`: the priority userspace asks for. The scheduler turns
/// the order of groups into CSG slot priorities, 0xf for the first.
public enum GroupPriority: UInt8, Hashable, Comparable, Sendable, CaseIterable, CustomStringConvertible {
    case low = 0
    case medium = 1
    case high = 2
    case realtime = 3

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    public var description: String {
        switch self {
        case .low: "PANTHOR_GROUP_PRIORITY_LOW"
        case .medium: "PANTHOR_GROUP_PRIORITY_MEDIUM"
        case .high: "PANTHOR_GROUP_PRIORITY_HIGH"
        case .realtime: "PANTHOR_GROUP_PRIORITY_REALTIME"
        }
    }
}

/// Why a group can no longer run (panthor's `fatal_queues`, `timedout`, or a reset that
/// caught it on a slot).
public enum GroupFailure: Hashable, Sendable, CustomStringConvertible {
    /// One of its jobs faulted outside protected mode.
    case jobFault(GPUFault)
    /// It was on a slot when `GLB_PROTM_ENTER` went unacknowledged for the series' 4000 ms:
    /// the reset fails every CSG update of that tick.
    case protectedModeEnterTimeout
    /// The GPU faulted while running it in protected mode (`GPU_IRQ_PROTM_FAULT`).
    case protectedModeFault(GPUFault?)
    /// It asked for protected mode (`CS_PROTM_PENDING`) on a GPU with no protected memory,
    /// which patch 7's review makes fatal for the queue so the group is scheduled out.
    case protectedModeUnavailable
    /// A CSG update (start, suspend, terminate) went unacknowledged.
    case slotUpdateTimeout
    /// It was on a slot when the GPU was reset for another reason.
    case reset(String)

    public var description: String {
        switch self {
        case .jobFault(let fault): "job fault: \(fault)"
        case .protectedModeEnterTimeout: "FW protm enter timeout, GPU reset"
        case .protectedModeFault(let fault): "GPU Fault in protected mode" + (fault.map { ": \($0)" } ?? "")
        case .protectedModeUnavailable: "CS_PROTM_PENDING without protected memory: queue fatal"
        case .slotUpdateTimeout: "CSG slot update timeout, GPU reset"
        case .reset(let reason): "GPU reset: \(reason)"
        }
    }
}

/// `PANTHOR_CS_GROUP_*`: where a group stands with the scheduler.
public enum GroupState: Hashable, Sendable {
    case created
    case active
    case suspended
    case terminated
    /// Can never run again; its jobs have failed.
    case failed(GroupFailure)
}
