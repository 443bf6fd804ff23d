/// What an ``EventQueue`` keeps behind its lock: the keys of pending events in two heaps, and
/// their actions in a slab the keys index.
///
/// Two heaps, split by how far off an event is when scheduled, because the queue's traffic is
/// two kinds: near-term work (acknowledgements, interrupts, job completions) that is scheduled
/// and run many times a frame, and long timers (a wait's timeout seconds ahead) that mostly sit
/// until their time. In one heap every near-term insert and pop would walk past the timers'
/// levels; apart, it churns a heap a few entries deep. The split is about cost only: the next
/// event is the smaller of the two heads by (deadline, sequence), so the order is exactly that
/// of one heap.
struct EventQueueState: ~Copyable {
    /// Events due less than this far ahead when scheduled go to `near`. (8.4 ms: past the
    /// firmware's acknowledgements and a frame's GPU job, short of a 60 Hz frame period.)
    static let nearHorizon: UInt64 = 1 << 23

    var near = EventHeap<ScheduledEventKey>()
    var far = EventHeap<ScheduledEventKey>()
    var slots = EventSlots()
    var nextSequence: UInt64 = 1
    var executed: UInt64 = 0

    /// An event taken off the queue: its deadline, and its action, which runs unless the event
    /// was disarmed (it is handed out either way, to be let go of outside the lock).
    struct Due {
        let deadline: UInt64
        let armed: Bool
        let action: any ScheduledAction
    }

    /// Adds an event due at `due` (`now` or later) and returns its identifier.
    mutating func insert(due: UInt64, now: UInt64, _ action: consuming any ScheduledAction) -> ScheduledEventID {
        let sequence = nextSequence
        nextSequence += 1
        let slot = slots.add(sequence: sequence, action)
        let key = ScheduledEventKey(deadline: due, sequence: sequence, slot: slot)
        if due - now < Self.nearHorizon {
            near.insert(key)
        } else {
            far.insert(key)
        }
        return ScheduledEventID(rawValue: sequence, slot: slot)
    }

    /// Takes the next live event off the queue if it is due at or before `target`.
    mutating func popDue(notAfter target: UInt64) -> Due? {
        guard let next = peek(), next.key.deadline <= target else { return nil }
        if next.fromNear {
            near.removeMin()
        } else {
            far.removeMin()
        }
        let (armed, action) = slots.remove(Int(next.key.slot))
        executed += 1
        return Due(deadline: next.key.deadline, armed: armed, action: action)
    }

    /// The next live event's key and which heap holds it, dropping cancelled keys from the
    /// heads.
    mutating func peek() -> (key: ScheduledEventKey, fromNear: Bool)? {
        while let top = near.min, !isLive(top) { near.removeMin() }
        while let top = far.min, !isLive(top) { far.removeMin() }
        switch (near.min, far.min) {
        case (let n?, let f?): return n < f ? (n, true) : (f, false)
        case (let n?, nil): return (n, true)
        case (nil, let f?): return (f, false)
        case (nil, nil): return nil
        }
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
        precondition(slots.liveCount <= near.count + far.count, "more live events than heap entries")
        precondition(liveKeysInOrder.count == slots.liveCount, "live events missing from the heaps")
    }
}
