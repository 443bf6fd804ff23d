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
struct EventQueueState {
    /// Events due less than this far ahead when scheduled go to `near`. (8.4 ms: past the
    /// firmware's acknowledgements and a frame's GPU job, short of a 60 Hz frame period.)
    static let nearHorizon: UInt64 = 1 << 23

    var near = EventHeap<ScheduledEventKey>()
    var far = EventHeap<ScheduledEventKey>()
    /// Actions, indexed by the keys' slots; freed slots are reused.
    var slots: [Slot] = []
    var freeSlots: [UInt32] = []
    /// Events scheduled and neither run nor cancelled.
    var liveCount = 0
    var nextSequence: UInt64 = 1
    var executed: UInt64 = 0

    /// A slot is live while `sequence` names the event it holds; running or cancelling the
    /// event sets it to zero (no event has sequence 0) and puts the slot on the free list, so a
    /// stale heap key finds a sequence that is not its own.
    struct Slot {
        var sequence: UInt64
        /// `false` once ``EventQueue/disarm(_:)`` took the action away: the event keeps its
        /// place in line and moves the clock, but runs nothing. The action stays for its label.
        var armed: Bool
        var action: (any ScheduledAction)?
    }

    /// An event taken off the queue: its deadline, and its action unless it was disarmed (the
    /// action is handed out either way, to be let go of outside the lock).
    struct Due {
        let deadline: UInt64
        let armed: Bool
        let action: any ScheduledAction
    }

    /// Adds an event due at `due` (`now` or later) and returns its identifier.
    mutating func insert(due: UInt64, now: UInt64, _ action: consuming any ScheduledAction) -> ScheduledEventID {
        let sequence = nextSequence
        nextSequence += 1
        let slot: UInt32
        if let reused = freeSlots.popLast() {
            slot = reused
            slots[Int(slot)] = Slot(sequence: sequence, armed: true, action: action)
        } else {
            slot = UInt32(slots.count)
            slots.append(Slot(sequence: sequence, armed: true, action: action))
        }
        let key = ScheduledEventKey(deadline: due, sequence: sequence, slot: slot)
        if due - now < Self.nearHorizon {
            near.insert(key)
        } else {
            far.insert(key)
        }
        liveCount += 1
        return ScheduledEventID(rawValue: sequence, slot: slot)
    }

    /// Takes the next live event off the queue if it is due at or before `target`.
    mutating func popDue(notAfter target: UInt64) -> Due? {
        guard let next = peek(), next.key.deadline <= target else { return nil }
        if next.fromNear {
            _ = near.popMin()
        } else {
            _ = far.popMin()
        }
        let slot = Int(next.key.slot)
        let armed = slots[slot].armed
        let action = free(slot)
        executed += 1
        return Due(deadline: next.key.deadline, armed: armed, action: action)
    }

    /// The next live event's key and which heap holds it, dropping cancelled keys from the
    /// heads.
    mutating func peek() -> (key: ScheduledEventKey, fromNear: Bool)? {
        while let top = near.min, !isLive(top) { _ = near.popMin() }
        while let top = far.min, !isLive(top) { _ = far.popMin() }
        switch (near.min, far.min) {
        case (let n?, let f?): return n < f ? (n, true) : (f, false)
        case (let n?, nil): return (n, true)
        case (nil, let f?): return (f, false)
        case (nil, nil): return nil
        }
    }

    func isLive(_ key: ScheduledEventKey) -> Bool {
        slots[Int(key.slot)].sequence == key.sequence
    }

    /// Empties a live slot and returns it to the free list, handing back its action so the
    /// caller lets go of it after unlocking (whatever the action owns may do anything when it
    /// is freed, schedule included).
    mutating func free(_ slot: Int) -> any ScheduledAction {
        let action = slots[slot].action.take()!
        slots[slot].sequence = 0
        freeSlots.append(UInt32(slot))
        liveCount -= 1
        return action
    }

    /// The slot holding the live event `id`, if any.
    func slot(of id: ScheduledEventID) -> Int? {
        guard id.rawValue != 0 else { return nil }
        if id.slot != ScheduledEventID.unknownSlot {
            let slot = Int(id.slot)
            return slot < slots.count && slots[slot].sequence == id.rawValue ? slot : nil
        }
        // An identifier built from a raw value: look for it (tests only).
        return slots.firstIndex { $0.sequence == id.rawValue }
    }

    /// The keys of live events in the order they will run.
    var liveKeysInOrder: [ScheduledEventKey] {
        (near.storage + far.storage).filter(isLive).sorted()
    }

    func _checkInvariants() {
        near._checkInvariants()
        far._checkInvariants()
        precondition(liveCount <= near.count + far.count, "more live events than heap entries")
        precondition(liveCount + freeSlots.count == slots.count, "slots neither live nor free")
        precondition(slots.allSatisfy { ($0.sequence == 0) == ($0.action == nil) }, "a slot's action out of step with its liveness")
        precondition(liveKeysInOrder.count == liveCount, "live events missing from the heaps")
    }
}
