/// The handlers registered with one queue for value events (``ScheduledEventHandler``), by
/// number, and the way a due event reaches its handler without reference counting.
///
/// One of the few storage types allowed unsafe code (README, "Unsafe code"): a due value event
/// leaves the queue's lock with its handler lent unretained (``LentHandler``), because a
/// strong reference cost a retain and a release, two atomic instructions, on every value event
/// (the device's every step: 72,000 in a minute of 4K60 playback; lending them took the run,
/// with the recorder's own fix beside it, from 187.6M to 183.3M instructions under callgrind).
/// Sound because the table only ever appends: an entry, once registered, is held here for as
/// long as the queue's state exists, and a lent handler is used only inside the queue's own
/// run method (``EventQueue/runNext(notAfter:)``), while the queue, and so this table, lives.
struct EventHandlerTable {
    private var entries: [EventHandlerEntry] = []

    var count: Int { entries.count }

    /// Registers `handler` and returns its number.
    mutating func append(_ handler: any ScheduledEventHandler) -> UInt32 {
        precondition(entries.count < Int(UInt32.max), "too many handlers on one queue")
        entries.append(EventHandlerEntry(handler))
        return UInt32(entries.count - 1)
    }

    /// The handler numbered `number`, strongly held: for what is not on the hot path (labels).
    subscript(number: UInt32) -> any ScheduledEventHandler {
        entries[Int(number)].handler
    }

    /// The handler numbered `number`, lent for the queue's run loop to call once the lock is
    /// let go.
    @inline(__always)
    func lend(_ number: UInt32) -> LentHandler {
        LentHandler(entry: Unmanaged.passUnretained(entries[Int(number)]))
    }

    /// Numbers fit an event's `UInt32`, and each number has an entry of its own (a lent
    /// handler is found by number alone).
    func _checkInvariants() {
        precondition(entries.count <= Int(UInt32.max), "more handlers than numbers")
        precondition(Set(entries.map(ObjectIdentifier.init)).count == entries.count, "two numbers share one entry")
    }
}

/// A registered handler lent by ``EventHandlerTable/lend(_:)``: valid while the queue that lent
/// it lives, used only by that queue's run loop.
struct LentHandler {
    fileprivate let entry: Unmanaged<EventHandlerEntry>

    @inline(__always)
    func run(_ payload: ScheduledEventPayload) {
        entry._withUnsafeGuaranteedRef { $0.handler._run(payload) }
    }
}
