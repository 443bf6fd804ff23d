/// The queue's slab: where each pending event waits while its key moves about the heaps. Slots
/// are reused through a free list threaded through the free slots themselves.
///
/// A slot holds an action (``ScheduledAction``, a reference) or a value event (a handler's
/// number and a ``ScheduledEventPayload``, plain bits). A slot is live while its `sequence`
/// names the event it holds; freeing it sets the sequence to zero (no event has sequence 0),
/// so a stale heap key finds a sequence that is not its own.
///
/// Noncopyable, over memory it owns, for the same reason as ``EventHeap``: it is touched on
/// every schedule and every run, behind the queue's lock, where an `Array` would check its
/// buffer's uniqueness on each access. An action is moved in when scheduled and moved out when
/// run, with no reference counting in between; a value event is copied in and out.
struct EventSlots: ~Copyable {
    fileprivate struct Record {
        var sequence: UInt64
        /// The next free slot, while this one is free; `noSlot` ends the list.
        var nextFree: UInt32
        /// The handler of a value event, or `actionSlot` when the slot holds an action.
        var handler: UInt32
    }

    private static let noSlot = UInt32.max
    /// The `handler` of a slot holding an action.
    static let actionSlot = UInt32.max

    /// What ``take(_:)`` found in a slot.
    enum Taken {
        case action(any ScheduledAction)
        case value(handler: UInt32, payload: ScheduledEventPayload)
    }

    private var records: UnsafeMutablePointer<Record>
    /// `actions[slot]` is initialised exactly while the slot is live and holds an action.
    private var actions: UnsafeMutablePointer<any ScheduledAction>
    /// `payloads[slot]` is the event while the slot is live and holds a value event (plain
    /// bits: never initialised or deinitialised, only written and read).
    private var payloads: UnsafeMutablePointer<ScheduledEventPayload>
    private var capacity: Int
    /// Slots handed out so far, live or free; slots past it were never used.
    private(set) var used = 0
    private var firstFree = noSlot
    /// Live slots: events scheduled and neither run nor cancelled.
    private(set) var liveCount = 0

    init() {
        capacity = 16
        records = .allocate(capacity: capacity)
        actions = .allocate(capacity: capacity)
        payloads = Self.allocatePayloads(capacity)
    }

    /// Payload storage aligned to a cache line, so each payload (one line long) sits in one.
    private static func allocatePayloads(_ capacity: Int) -> UnsafeMutablePointer<ScheduledEventPayload> {
        UnsafeMutableRawPointer.allocate(byteCount: capacity * MemoryLayout<ScheduledEventPayload>.stride, alignment: 64)
            .bindMemory(to: ScheduledEventPayload.self, capacity: capacity)
    }

    deinit {
        for slot in 0..<used where records[slot].sequence != 0 && records[slot].handler == Self.actionSlot {
            (actions + slot).deinitialize(count: 1)
        }
        records.deallocate()
        actions.deallocate()
        UnsafeMutableRawPointer(payloads).deallocate()
    }

    /// Takes a free slot for the event `sequence`.
    @inline(__always)
    private mutating func claim(sequence: UInt64, handler: UInt32) -> Int {
        let slot: UInt32
        if firstFree != Self.noSlot {
            slot = firstFree
            firstFree = records[Int(slot)].nextFree
        } else {
            if used == capacity { grow() }
            slot = UInt32(used)
            used += 1
        }
        records[Int(slot)] = Record(sequence: sequence, nextFree: Self.noSlot, handler: handler)
        liveCount += 1
        return Int(slot)
    }

    /// Stores `action` for the event `sequence` and returns its slot.
    mutating func add(sequence: UInt64, _ action: consuming any ScheduledAction) -> UInt32 {
        let slot = claim(sequence: sequence, handler: Self.actionSlot)
        (actions + slot).initialize(to: action)
        return UInt32(slot)
    }

    /// Stores a value event for `handler` and returns its slot.
    @inline(__always)
    mutating func add(sequence: UInt64, handler: UInt32, _ payload: ScheduledEventPayload) -> UInt32 {
        let slot = claim(sequence: sequence, handler: handler)
        payloads[slot] = payload
        return UInt32(slot)
    }

    /// Which keys name live events, for dropping cancelled keys while the tiers change.
    @inline(__always)
    var liveness: EventLiveness { EventLiveness(records: records) }

    /// The sequence of the event in `slot`, 0 when the slot is free.
    @inline(__always)
    func sequence(at slot: UInt32) -> UInt64 { records[Int(slot)].sequence }

    /// The live event in `slot`, for its label: its action, or its handler and payload.
    func event(at slot: Int) -> (action: (any ScheduledAction)?, handler: UInt32, payload: ScheduledEventPayload) {
        let handler = records[slot].handler
        return handler == Self.actionSlot ? (actions[slot], handler, ScheduledEventPayload()) : (nil, handler, payloads[slot])
    }

    /// Frees a live slot, moving its action out (to be let go of outside the queue's lock:
    /// what it owns may do anything when it is freed, schedule included), or copying its value
    /// event out.
    @inline(__always)
    mutating func take(_ slot: Int) -> Taken {
        precondition(slot < used && records[slot].sequence != 0, "taking a slot that holds no event")
        let handler = records[slot].handler
        let taken: Taken
        if handler == Self.actionSlot {
            taken = .action((actions + slot).move())
        } else {
            taken = .value(handler: handler, payload: payloads[slot])
        }
        records[slot] = Record(sequence: 0, nextFree: firstFree, handler: Self.actionSlot)
        firstFree = UInt32(slot)
        liveCount -= 1
        return taken
    }

    /// Frees a live slot, for a cancelled event: its action, if it has one, moves out (to be
    /// let go of outside the lock, as in ``take(_:)``).
    mutating func remove(_ slot: Int) -> (any ScheduledAction)? {
        precondition(slot < used && records[slot].sequence != 0, "removing a slot that holds no event")
        let action = records[slot].handler == Self.actionSlot ? (actions + slot).move() : nil
        records[slot] = Record(sequence: 0, nextFree: firstFree, handler: Self.actionSlot)
        firstFree = UInt32(slot)
        liveCount -= 1
        return action
    }

    /// The slot holding the live event `id`, if any.
    func slot(of id: ScheduledEventID) -> Int? {
        guard id.rawValue != 0 else { return nil }
        if id.slot != ScheduledEventID.unknownSlot {
            let slot = Int(id.slot)
            return slot < used && records[slot].sequence == id.rawValue ? slot : nil
        }
        // An identifier built from a raw value: look for it (tests only).
        return (0..<used).first { records[$0].sequence == id.rawValue }
    }

    private mutating func grow() {
        let larger = capacity * 2
        let newRecords = UnsafeMutablePointer<Record>.allocate(capacity: larger)
        newRecords.moveInitialize(from: records, count: used)
        records.deallocate()
        records = newRecords
        // Live actions move; free slots' memory is uninitialised and stays so.
        let newActions = UnsafeMutablePointer<any ScheduledAction>.allocate(capacity: larger)
        for slot in 0..<used where records[slot].sequence != 0 && records[slot].handler == Self.actionSlot {
            (newActions + slot).moveInitialize(from: actions + slot, count: 1)
        }
        actions.deallocate()
        actions = newActions
        let newPayloads = Self.allocatePayloads(larger)
        newPayloads.moveInitialize(from: payloads, count: used)
        UnsafeMutableRawPointer(payloads).deallocate()
        payloads = newPayloads
        capacity = larger
    }

    func _checkInvariants() {
        var free = 0
        var next = firstFree
        while next != Self.noSlot {
            precondition(Int(next) < used && records[Int(next)].sequence == 0, "a live or unused slot on the free list")
            free += 1
            precondition(free <= used, "the free list loops")
            next = records[Int(next)].nextFree
        }
        precondition(liveCount + free == used, "slots neither live nor free")
        precondition((0..<used).filter { records[$0].sequence != 0 }.count == liveCount, "live count out of step")
    }
}

/// Which keys name live events: the slab's records, read while the tiers drop cancelled keys
/// (a view rather than the slab itself, which is borrowed while the tiers are changed).
struct EventLiveness {
    fileprivate let records: UnsafeMutablePointer<EventSlots.Record>

    @inline(__always)
    func isLive(_ key: ScheduledEventKey) -> Bool {
        records[Int(key.slot)].sequence == key.sequence
    }
}
