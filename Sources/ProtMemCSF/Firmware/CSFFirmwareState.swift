import ProtMemTime

/// The firmware's own state as the model keeps it: what the MCU is doing with each slot (the
/// interface pages it shares with the host are ``CSFInterfaceMemory``, in ``GPUHardware``).
/// The microcode is not executed; this is its behaviour. Rebuilt at every boot.
struct CSFFirmwareState {
    /// The flag last, so an optional job takes its tag from the flag's spare bits.
    struct ActiveJob {
        let index: Int
        let startedAt: VirtualInstant
        /// Matches the completion event to this run, so a run stopped by a suspend ignores it.
        let token: UInt64
        let isProtected: Bool
    }

    /// Fields ordered widest first, so they pack without padding: the firmware walks a CSG's
    /// streams on every kick and CSG request, and smaller streams take fewer cache lines.
    struct Stream {
        var active: ActiveJob?
        /// `ringbuf_base`: the host programs it when it binds a group.
        var ring: RingReference?
        var started = false
        /// `CS_STATUS_WAIT_PROTM` is set and `CS_PROTM_PENDING` was raised.
        var waitingForProtectedMode = false

        /// The stream runs `job`; a protected one no longer waits for protected mode. One
        /// write through the slot and stream arrays rather than one per field.
        mutating func start(_ job: ActiveJob) {
            active = job
            if job.isProtected { waitingForProtectedMode = false }
        }

        /// Nothing running, not started, not waiting.
        mutating func stop() {
            active = nil
            started = false
            waitingForProtectedMode = false
        }
    }

    struct Slot {
        /// Written through ``CSFFirmwareState/setRunning(_:_:)`` only, which keeps
        /// ``CSFFirmwareState/runningSlots`` in step.
        fileprivate(set) var running = false
        let streams: FirmwareSlotArray<Stream>
        /// While ``CSFFirmwareState/entering``: this slot's streams sampled at
        /// `GLB_PROTM_ENTER` (their `CS_PROTM_PENDING` acknowledged).
        var enteringStreams = StreamSet()
        /// While there is a ``CSFFirmwareState/session``: this slot's streams in it.
        var protectedStreams = StreamSet()
    }

    /// Protected mode is active; its streams are each slot's ``Slot/protectedStreams``.
    struct ProtectedSession {
        let since: VirtualInstant
    }

    var booted = false
    /// The slots whose ``Slot/running`` is set: what walks over "every running slot" (kicks,
    /// the drain check before protected mode) visit, rather than testing all of them.
    private(set) var runningSlots = SlotSet()
    /// The MCU's own state of each CSG slot, written in place (see ``FirmwareSlotArray``). A
    /// copy of the state shares it; the firmware keeps one state and builds a fresh one at
    /// every boot and reset.
    let slots: FirmwareSlotArray<Slot>
    var session: ProtectedSession?
    /// `GLB_PROTM_ENTER` accepted; waiting for normal work to drain and the switch to finish.
    /// The sampled streams are each slot's ``Slot/enteringStreams``.
    var entering = false
    /// An injected hang: the firmware dropped a `GLB_PROTM_ENTER` and, until it is booted
    /// again, never looks at that request, however often the global doorbell rings.
    var ignoringProtectedModeEnter = false
    var activationScheduled = false
    var nextToken: UInt64 = 1

    init(parameters: CSFParameters) {
        // Each slot's streams built apart: slots sharing one stream array would share its streams.
        slots = FirmwareSlotArray(count: parameters.groupSlots) {
            Slot(streams: FirmwareSlotArray(count: parameters.streamsPerGroup) { Stream() })
        }
    }

    /// A CSG starts or resumes (`true`), or stops (`false`).
    mutating func setRunning(_ slot: Int, _ running: Bool) {
        slots[slot].running = running
        if running { runningSlots.insert(slot) } else { runningSlots.remove(slot) }
    }

    /// Protected mode ends: no stream is in a session any more.
    mutating func endSession() {
        session = nil
        for slot in slots.indices { slots[slot].protectedStreams = StreamSet() }
    }

    /// The streams of `slot` a kick could start: started, idle, with a ring. The others would
    /// each be looked at only to be passed over (a CSG has 8 or more CS slots, a group uses
    /// few), so they are sifted out here in one read-only pass. Kicking one stream never
    /// changes whether another is started, idle or has a ring, so sifting first decides
    /// nothing differently.
    func kickableStreams(slot: Int) -> StreamSet {
        var kickable = StreamSet()
        let streams = slots[slot].streams
        for stream in streams.indices where streams[stream].started && streams[stream].active == nil && streams[stream].ring != nil {
            kickable.insert(stream)
        }
        return kickable
    }

    /// The streams of `slot` that a stop has something to undo for (see
    /// ``CSFFirmware/stopStream(slot:stream:gpu:)``: running, started, or waiting for
    /// protected mode), sifted in one read-only pass; stopping one stream leaves the others'
    /// state alone.
    func streamsToStop(slot: Int, in groups: FirmwareSlotArray<GroupInterface>) -> StreamSet {
        var busy = StreamSet()
        let states = slots[slot].streams
        let interfaces = groups[slot].streams.count
        for stream in states.indices {
            let state = states[stream]
            if state.active != nil || state.started || state.waitingForProtectedMode
                || (stream < interfaces && groups[slot].streams[stream].output.statusWait.contains(.protectedMode)) {
                busy.insert(stream)
            }
        }
        return busy
    }

    /// The firmware reads every CS input page of `slot`: which ring it runs, and START or STOP
    /// (a stream starts only on a running CSG); the state field is acknowledged. It runs on
    /// every CSG doorbell, so the interface pages' streams are walked through one
    /// `MutableSpan` (one uniqueness check rather than three per stream), the slot's fixed
    /// storage in place.
    func applyStreamRequests(slot: Int, in groups: FirmwareSlotArray<GroupInterface>) {
        groups[slot].applyStreamRequests(running: slots[slot].running, to: slots[slot].streams)
    }

    /// Checks the state's structure (`precondition`, so release builds check too): as many
    /// interface pages as slots, as many streams in each slot's page as in its state,
    /// ``runningSlots`` exactly the running slots, and the slot arrays' own invariants.
    func _checkInvariants(_ groups: FirmwareSlotArray<GroupInterface>) {
        groups._checkInvariants()
        slots._checkInvariants()
        precondition(groups.count == slots.count, "\(groups.count) CSG interfaces for \(slots.count) slots")
        for slot in slots.indices {
            slots[slot].streams._checkInvariants()
            precondition(groups[slot].streams.count == slots[slot].streams.count,
                         "slot \(slot): \(groups[slot].streams.count) CS interfaces for \(slots[slot].streams.count) streams")
            precondition(runningSlots.contains(slot) == slots[slot].running, "slot \(slot): running set and flag disagree")
            precondition(session != nil || slots[slot].protectedStreams.isEmpty, "slot \(slot): protected streams outside a session")
        }
    }

    /// Whether any stream runs a normal job (which must drain before protected mode starts).
    /// Only a running slot's streams can run a job (a job starts only on a running slot, and
    /// stopping a slot stops its streams before it stops running), so the others are skipped.
    var normalWorkRunning: Bool {
        for slot in runningSlots {
            for stream in slots[slot].streams.indices {
                if let active = slots[slot].streams[stream].active, !active.isProtected { return true }
            }
        }
        return false
    }
}

extension GroupInterface {
    /// The firmware's half of ``CSFFirmwareState/applyStreamRequests(slot:in:)`` for this slot:
    /// each CS input page's ring and START or STOP into `states` (started only when the CSG is
    /// `running`), and the state field acknowledged.
    mutating func applyStreamRequests(running: Bool, to states: FirmwareSlotArray<CSFFirmwareState.Stream>) {
        var interfaces = streams.mutableSpan
        for stream in 0..<min(interfaces.count, states.count) {
            let input = interfaces[stream].input
            states[stream].ring = input.ring
            states[stream].started = running && input.req & StreamRequest.stateMask.rawValue == StreamRequest.stateStart
            interfaces[stream].output.ack = RequestAcknowledge.update(
                req: interfaces[stream].output.ack, value: input.req, mask: StreamRequest.stateMask.rawValue)
        }
    }
}

/// CS slots of one CSG slot, as a bit mask (a CSG has at most 32 streams): sampled and
/// protected streams are kept per slot without hashing or allocating, and iterate in stream
/// order.
struct StreamSet: Sequence, Equatable {
    private var mask: UInt32 = 0

    init() {}

    var isEmpty: Bool { mask == 0 }

    func contains(_ stream: Int) -> Bool { mask & (1 << UInt32(stream)) != 0 }

    mutating func insert(_ stream: Int) {
        mask |= 1 << UInt32(stream)
    }

    mutating func formUnion(_ other: StreamSet) {
        mask |= other.mask
    }

    func makeIterator() -> SetBitIterator<UInt32> { SetBitIterator(rest: mask) }
}
