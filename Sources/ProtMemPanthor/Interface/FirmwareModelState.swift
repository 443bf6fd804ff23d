import ProtMemTime

/// Which queue's ring a CS slot runs: what `ringbuf_base` and friends point the firmware at.
struct RingReference: Hashable {
    let group: GroupHandle
    let queue: Int
}

/// The firmware's own state as the model keeps it: the interface pages it shares with the host,
/// and what the MCU is doing with each slot. The microcode is not executed; this is its
/// behaviour.
struct FirmwareModelState {
    struct ActiveJob {
        let index: Int
        let startedAt: VirtualInstant
        let isProtected: Bool
        /// Matches the completion event to this run, so a run stopped by a suspend ignores it.
        let token: UInt64
    }

    struct Stream {
        /// `ringbuf_base`: the host programs it when it binds a group.
        var ring: RingReference?
        var started = false
        var active: ActiveJob?
        /// `CS_STATUS_WAIT_PROTM` is set and `CS_PROTM_PENDING` was raised.
        var waitingForProtectedMode = false
    }

    struct Slot {
        var running = false
        var streams: [Stream]
    }

    /// Streams sampled at `GLB_PROTM_ENTER` (their `CS_PROTM_PENDING` acknowledged), by slot.
    struct ProtectedSession {
        var streams: [Int: Set<Int>]
        let since: VirtualInstant
    }

    var booted = false
    var global: GlobalInterface
    var groups: [GroupInterface]
    var slots: [Slot]
    var session: ProtectedSession?
    /// `GLB_PROTM_ENTER` accepted; waiting for normal work to drain and the switch to finish.
    var entering: [Int: Set<Int>]?
    var activationScheduled = false
    var nextToken: UInt64 = 1

    init(parameters: CSFParameters) {
        global = GlobalInterface(control: GlobalControl(version: parameters.interfaceVersion, features: 0, groupCount: parameters.groupSlots))
        let control = GroupControl(features: 0, suspendSize: parameters.suspendSize, protectedSuspendSize: parameters.protectedSuspendSize,
                                   streamCount: parameters.streamsPerGroup)
        groups = Array(repeating: GroupInterface(control: control, streams: Array(repeating: StreamInterface(), count: parameters.streamsPerGroup)),
                       count: parameters.groupSlots)
        slots = Array(repeating: Slot(streams: Array(repeating: Stream(), count: parameters.streamsPerGroup)), count: parameters.groupSlots)
    }

    /// Whether any stream runs a normal job (which must drain before protected mode starts).
    var normalWorkRunning: Bool {
        slots.contains { slot in slot.streams.contains { $0.active.map { !$0.isProtected } ?? false } }
    }
}
