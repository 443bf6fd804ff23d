/// What an ``EventQueue`` keeps behind its lock: the keys of pending events in two tiers, and
/// their actions in a slab (``EventSlots``) the keys index.
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
    /// Keys of cancelled events still in the tiers. Cancelling leaves the key where it is, to
    /// be dropped when it comes to a head; while there are none the heads need no liveness
    /// check.
    var cancelledKeys = 0
    var nextSequence: UInt64 = 1
    var executed: UInt64 = 0

    /// An event taken off the queue: its deadline and its action (run, and let go of, outside
    /// the lock).
    struct Due {
        let deadline: UInt64
        let action: any ScheduledAction
    }

    /// Adds an event due at `due` (`now` or later) and returns its identifier.
    @inline(__always)
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
    @inline(__always)
    mutating func popDue(notAfter target: UInt64) -> Due? {
        guard let next = peek(), next.key.deadline <= target else { return nil }
        switch next.place {
        case .nearLane: near.lane.removeFirst()
        case .nearHeap: near.heap.removeMin()
        case .farLane: far.lane.removeFirst()
        case .farHeap: far.heap.removeMin()
        }
        let action = slots.remove(Int(next.key.slot))
        executed += 1
        return Due(deadline: next.key.deadline, action: action)
    }

    enum Place { case nearLane, nearHeap, farLane, farHeap }

    /// The next live event's key and where it is, dropping cancelled keys from the heads.
    @inline(__always)
    mutating func peek() -> (key: ScheduledEventKey, place: Place)? {
        if cancelledKeys > 0 {
            cancelledKeys -= Self.dropCancelled(&near, slots) + Self.dropCancelled(&far, slots)
        }
        var next: (key: ScheduledEventKey, place: Place)?
        if let key = near.lane.first { next = (key, .nearLane) }
        if let key = near.heap.min, next.map({ key < $0.key }) ?? true { next = (key, .nearHeap) }
        if let key = far.lane.first, next.map({ key < $0.key }) ?? true { next = (key, .farLane) }
        if let key = far.heap.min, next.map({ key < $0.key }) ?? true { next = (key, .farHeap) }
        return next
    }

    /// Counts a cancelled event's key, left in its tier.
    mutating func noteCancelled() { cancelledKeys += 1 }

    @inline(__always)
    func isLive(_ key: ScheduledEventKey) -> Bool {
        slots.sequence(at: key.slot) == key.sequence
    }

    /// Drops cancelled keys from the tier's heads; returns how many.
    private static func dropCancelled(_ tier: inout EventTier<ScheduledEventKey>, _ slots: borrowing EventSlots) -> Int {
        var dropped = 0
        while let first = tier.lane.first, slots.sequence(at: first.slot) != first.sequence {
            tier.lane.removeFirst()
            dropped += 1
        }
        while let top = tier.heap.min, slots.sequence(at: top.slot) != top.sequence {
            tier.heap.removeMin()
            dropped += 1
        }
        return dropped
    }

    /// The keys of live events in the order they will run.
    var liveKeysInOrder: [ScheduledEventKey] {
        (near.unordered + far.unordered).filter { isLive($0) }.sorted()
    }

    func _checkInvariants() {
        near._checkInvariants()
        far._checkInvariants()
        slots._checkInvariants()
        precondition(slots.liveCount + cancelledKeys == near.count + far.count, "keys neither live nor counted as cancelled")
        precondition(liveKeysInOrder.count == slots.liveCount, "live events missing from the heaps")
    }
}
