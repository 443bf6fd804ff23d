/// What an ``EventQueue`` keeps behind its lock: the keys of pending events in two tiers, the
/// events themselves in a slab (``EventSlots``) the keys index, and the registered handlers of
/// value events.
///
/// Two tiers, split by how far off an event is when scheduled, because the queue's traffic is
/// two kinds: near-term work (acknowledgements, interrupts, job completions) that is scheduled
/// and run many times a frame, and long timers (a wait's timeout, seconds ahead, until its wait
/// completes and cancels it) that mostly sit until their time. In one heap every near-term insert and pop
/// would walk past the timers' levels (~260 deep in 4K60 playback); apart, it churns a heap a
/// few entries deep. Each tier also has a lane for keys that arrive in order (``EventTier``):
/// events due the instant they are scheduled, timers of one length.
///
/// The split is about cost only: the next event is the smallest of the four heads by
/// (deadline, sequence), so the order is exactly that of one heap.
struct EventQueueState: ~Copyable {
    /// Events due less than this far ahead when scheduled go to `near`. (8.4 ms: past the
    /// firmware's acknowledgements and a frame's GPU job, short of a 60 Hz frame period.)
    static let nearHorizon: UInt64 = 1 << 23

    var near = EventTier<ScheduledEventKey>()
    var far = EventTier<ScheduledEventKey>()
    var slots = EventSlots()
    /// Keys of cancelled events still in the tiers, below their heads: a cancel drops the
    /// cancelled keys at the heads and leaves the rest until they come up.
    var cancelledKeys = 0
    var nextSequence: UInt64 = 1
    var executed: UInt64 = 0
    /// Registered handlers (``EventQueue/register(_:)``), by number; kept for the queue's life,
    /// so an event names its handler by number.
    var handlers = EventHandlerTable()

    /// An event taken off the queue, to run outside the lock: an action (let go of after it
    /// runs), or a value event's handler and a copy of the event, so its slot can be reused by
    /// whatever the event schedules.
    enum Due {
        case action(any ScheduledAction)
        case value(LentHandler, ScheduledEventPayload)
    }

    /// Adds an event due at `due` (`now` or later) and returns its identifier.
    @inline(__always)
    mutating func insert(due: UInt64, now: UInt64, _ action: consuming any ScheduledAction) -> ScheduledEventID {
        let sequence = nextSequence
        nextSequence += 1
        let slot = slots.add(sequence: sequence, action)
        return file(sequence: sequence, slot: slot, due: due, now: now)
    }

    /// Adds a value event for `handler` due at `due` (`now` or later).
    @inline(__always)
    mutating func insert(due: UInt64, now: UInt64, handler: UInt32, _ payload: ScheduledEventPayload) -> ScheduledEventID {
        let sequence = nextSequence
        nextSequence += 1
        let slot = slots.add(sequence: sequence, handler: handler, payload)
        return file(sequence: sequence, slot: slot, due: due, now: now)
    }

    /// Puts the key of a new event in its tier.
    @inline(__always)
    private mutating func file(sequence: UInt64, slot: UInt32, due: UInt64, now: UInt64) -> ScheduledEventID {
        let key = ScheduledEventKey(deadline: due, sequence: sequence, slot: slot)
        if due - now < Self.nearHorizon {
            near.insert(key)
        } else {
            far.insert(key)
        }
        return ScheduledEventID(rawValue: sequence, slot: slot)
    }

    /// Takes the next live event off the queue if it is due at or before `target`, and moves
    /// `clock` to its deadline: here, under the lock, so the runs of this queue move the clock
    /// in the order they take events. (A scheduler reads the clock before it takes the lock,
    /// so a schedule racing a run may file a deadline the clock has just passed; it then runs
    /// at the next pop, late, never early.) A value event is copied out with its handler.
    @inline(__always)
    mutating func popDue(notAfter target: UInt64, clock: VirtualClock) -> Due? {
        guard let next = peek(), next.key.deadline <= target else { return nil }
        removeHead(next.place)
        executed += 1
        clock.advance(to: VirtualInstant(rawValue: next.key.deadline))
        switch slots.take(Int(next.key.slot)) {
        case .action(let action): return .action(action)
        case .value(let handler, let payload): return .value(handlers.lend(handler), payload)
        }
    }

    enum Place { case nearLane, nearHeap, farLane, farHeap }

    @inline(__always)
    private mutating func removeHead(_ place: Place) {
        switch place {
        case .nearLane: near.lane.removeFirst()
        case .nearHeap: near.heap.removeMin()
        case .farLane: far.lane.removeFirst()
        case .farHeap: far.heap.removeMin()
        }
    }

    /// The next live event's key and where it is, dropping cancelled keys that come first.
    ///
    /// Only the smallest head is checked for liveness (its record is read to run it anyway):
    /// checking every head read each head's slab record, and with a cancelled timeout almost
    /// always pending (every completed wait cancels one), that was a cold record on nearly
    /// every event (the far tier's head is a timer scheduled long ago). ``cancel(slot:)``
    /// clears the heads of cancelled keys.
    @inline(__always)
    mutating func peek() -> (key: ScheduledEventKey, place: Place)? {
        while true {
            var next: (key: ScheduledEventKey, place: Place)?
            if let key = near.lane.first { next = (key, .nearLane) }
            if let key = near.heap.min, next.map({ key < $0.key }) ?? true { next = (key, .nearHeap) }
            if let key = far.lane.first, next.map({ key < $0.key }) ?? true { next = (key, .farLane) }
            if let key = far.heap.min, next.map({ key < $0.key }) ?? true { next = (key, .farHeap) }
            guard let found = next else { return nil }
            if cancelledKeys == 0 || isLive(found.key) { return found }
            removeHead(found.place)
            cancelledKeys -= 1
        }
    }

    /// Frees the slot of a cancelled event, leaving its key in its tier, and drops cancelled
    /// keys from the tiers' heads: here, once per cancel, rather than on every pop (where it
    /// read each head's cold slab record). Timeouts are mostly cancelled oldest first, so each
    /// cancel mostly clears the keys that reached a head since the last one, and the tiers stay
    /// about as short as if keys were removed when cancelled.
    mutating func cancel(slot: Int) -> (any ScheduledAction)? {
        let action = slots.remove(slot)
        cancelledKeys += 1
        let liveness = slots.liveness
        cancelledKeys -= near.dropCancelled(liveness) + far.dropCancelled(liveness)
        return action
    }

    @inline(__always)
    func isLive(_ key: ScheduledEventKey) -> Bool {
        slots.sequence(at: key.slot) == key.sequence
    }

    /// The keys of live events in the order they will run.
    var liveKeysInOrder: [ScheduledEventKey] {
        (near.unordered + far.unordered).filter { isLive($0) }.sorted()
    }

    func _checkInvariants() {
        near._checkInvariants()
        far._checkInvariants()
        slots._checkInvariants()
        handlers._checkInvariants()
        precondition(slots.liveCount + cancelledKeys == near.count + far.count, "keys neither live nor counted as cancelled")
        precondition(liveKeysInOrder.count == slots.liveCount, "live events missing from the heaps")
    }
}
