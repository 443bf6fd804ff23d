import ProtMemTime

/// One thing that happened to the device, at a virtual time: the record tests and reports
/// read to check the order of events.
public struct PanthorTraceEvent: Hashable, Sendable, CustomStringConvertible {
    /// The failure cases are `indirect`: a failure carries a fault with its strings (about 90
    /// bytes), and inline it would set the size of every one of the trace's many events.
    public enum Kind: Hashable, Sendable {
        case probed(design: ProtectedMemoryDesign?)
        case groupCreated(GroupHandle, GroupPriority)
        case groupBound(GroupHandle, slot: Int, priority: UInt8)
        case groupEvicted(GroupHandle, slot: Int, state: GroupSlotState)
        indirect case groupFailed(GroupHandle, GroupFailure)
        case groupDestroyed(GroupHandle)
        /// The host saw `CS_PROTM_PENDING` for a queue of the group.
        case protectedModePending(GroupHandle, queue: Int)
        /// The host saw `CS_PROTM_PENDING` but has no protected memory (the RFC's WARN): the job
        /// stays blocked.
        case protectedModePendingIgnored(GroupHandle, queue: Int)
        /// The host acknowledged `CS_PROTM_PENDING` for these queues of the top group.
        case protectedModePendingAcknowledged(GroupHandle, queues: UInt32)
        /// The host toggled `GLB_PROTM_ENTER` and rang doorbell 0.
        case protectedModeEnterRequested
        /// The firmware set `GPU_STATUS_PROTM_ACTIVE` for this group.
        case protectedModeEntered(GroupHandle)
        /// The host saw `GLB_PROTM_ENTER` acknowledged.
        case protectedModeEnterAcknowledged
        case protectedModeEnterTimedOut
        case protectedModeExited(ProtectedModeExitReason)
        case protectedModeFault(GroupHandle?)
        case jobStarted(JobHandle, protected: Bool)
        case jobCompleted(JobHandle)
        indirect case jobFailed(JobHandle, JobFailure)
        case resetScheduled(String)
        case resetCompleted
        /// System suspend: the groups saved and the MCU halted.
        case suspended
        /// System resume: the MCU restarted.
        case resumed
        case warning(String)
    }

    public let time: VirtualInstant
    public let kind: Kind

    package init(time: VirtualInstant, kind: consuming Kind) {
        self.time = time
        self.kind = kind
    }

    public var description: String { "[\(time)] \(kind)" }
}

/// Counters a test checks by difference.
public struct PanthorMetrics: Hashable, Sendable {
    public var protectedModeEnterRequests = 0
    public var protectedModeEntries = 0
    public var protectedModeExits = 0
    public var protectedModeEnterTimeouts = 0
    public var protectedModeFaults = 0
    public var resets = 0
    /// System suspends begun.
    public var suspends = 0
    public var jobsCompleted = 0
    public var jobsFailed = 0
    public var ticks = 0
    /// Time spent in protected mode, summed over completed sessions.
    public var protectedModeTime: VirtualDuration = .zero
}

/// Faults the device can be told to suffer.
public enum PanthorFaultInjection: Hashable, Sendable {
    /// The firmware ignores the next `GLB_PROTM_ENTER`: no acknowledgement ever comes (until
    /// a reset boots it again, later doorbells do not revive the request), so the scheduler's
    /// 4000 ms wait expires.
    case ignoreNextProtectedModeEnter
    /// A protected-mode fault (`GPU_IRQ_PROTM_FAULT`): now if the GPU is in protected mode,
    /// else at its next entry.
    case protectedModeFault
}

extension PanthorTraceEvent.Kind {
    /// Whether the kind's payload holds a reference (a boxed failure, a string), so that
    /// destroying it is more than forgetting its bytes. Every other case carries plain values.
    /// Kept next to the enum: a new case with a reference must be listed here.
    var holdsReferences: Bool {
        switch self {
        case .groupFailed, .jobFailed, .resetScheduled, .warning: true
        case .probed, .groupCreated, .groupBound, .groupEvicted, .groupDestroyed, .protectedModePending,
             .protectedModePendingIgnored, .protectedModePendingAcknowledged, .protectedModeEnterRequested,
             .protectedModeEntered, .protectedModeEnterAcknowledged, .protectedModeEnterTimedOut, .protectedModeExited,
             .protectedModeFault, .jobStarted, .jobCompleted, .resetCompleted, .suspended, .resumed: false
        }
    }
}
