/// The queue's slab: where each pending event's action waits while its key moves about the
/// heaps. Slots are reused through a free list threaded through the free slots themselves.
///
/// A slot is live while its `sequence` names the event it holds; freeing it sets the sequence
/// to zero (no event has sequence 0), so a stale heap key finds a sequence that is not its own.
///
/// Noncopyable, over memory it owns, for the same reason as ``EventHeap``: it is touched on
/// every schedule and every run, behind the queue's lock, where an `Array` would check its
/// buffer's uniqueness on each access. An action is moved in when scheduled and moved out when
/// run, with no reference counting in between.
struct EventSlots: ~Copyable {
    private struct Record {
        var sequence: UInt64
        /// The next free slot, while this one is free; `noSlot` ends the list.
        var nextFree: UInt32
    }

    private static let noSlot = UInt32.max

    private var records: UnsafeMutablePointer<Record>
    /// `actions[slot]` is initialised exactly while the slot is live.
    private var actions: UnsafeMutablePointer<any ScheduledAction>
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
    }

    deinit {
        for slot in 0..<used where records[slot].sequence != 0 {
            (actions + slot).deinitialize(count: 1)
        }
        records.deallocate()
        actions.deallocate()
    }

    /// Stores `action` for the event `sequence` and returns its slot.
    mutating func add(sequence: UInt64, _ action: consuming any ScheduledAction) -> UInt32 {
        let slot: UInt32
        if firstFree != Self.noSlot {
            slot = firstFree
            firstFree = records[Int(slot)].nextFree
        } else {
            if used == capacity { grow() }
            slot = UInt32(used)
            used += 1
        }
        records[Int(slot)] = Record(sequence: sequence, nextFree: Self.noSlot)
        (actions + Int(slot)).initialize(to: action)
        liveCount += 1
        return slot
    }

    /// The sequence of the event in `slot`, 0 when the slot is free.
    @inline(__always)
    func sequence(at slot: UInt32) -> UInt64 { records[Int(slot)].sequence }

    /// The live event's action, for its label.
    func action(at slot: Int) -> any ScheduledAction { actions[slot] }

    /// Frees a live slot, moving its action out (to be let go of outside the queue's lock:
    /// what it owns may do anything when it is freed, schedule included).
    mutating func remove(_ slot: Int) -> any ScheduledAction {
        let action = (actions + slot).move()
        records[slot] = Record(sequence: 0, nextFree: firstFree)
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
        for slot in 0..<used where records[slot].sequence != 0 {
            (newActions + slot).moveInitialize(from: actions + slot, count: 1)
        }
        actions.deallocate()
        actions = newActions
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
