import Synchronization

/// A deterministic event queue over a ``VirtualClock``, shaped like swift-nio's
/// `EmbeddedEventLoop`: nothing happens until the owner runs it, and running it moves the
/// clock from one deadline to the next.
///
/// Events are ordered by (deadline, insertion sequence), so events due at the same instant run
/// in the order they were scheduled, whatever the heaps' layout (``EventQueueState``): one
/// sequence of calls gives one sequence of events, byte for byte. An event is an object
/// (``ScheduledAction``), a closure the queue wraps in one, or a plain value sent to a
/// registered handler (``ScheduledEventHandler``, ``register(_:)``).
///
/// Rules:
/// 1. ``schedule(at:_:_:)`` with a deadline already past runs the event at the current time
///    (as a NIO task scheduled in the past runs on the next turn), never earlier.
/// 2. An action runs with the clock set to its deadline, outside the queue's lock, so it may
///    schedule and cancel events; an event it schedules for a time the run has not passed yet
///    runs in the same run.
/// 3. ``cancel(_:)`` removes an event that has not run: its payload goes at once, its key when
///    it is at the head of its heap or lane (the heads are cleared of cancelled keys on every
///    cancel, so a pop only checks the key it takes).
///
/// Thread-safety: every method may be called from any thread, but a simulation runs its queue
/// from one thread; concurrent runs of the same queue interleave events in no defined order.
///
/// - Complexity: scheduling and running an event are O(log n) in the number of pending events;
///   cancelling is O(k log n) for the k cancelled keys it clears from the heads (usually none
///   or one).
public final class EventQueue: Sendable {
    public let clock: VirtualClock
    let state = SpinLocked(EventQueueState())
    /// This queue's number among all queues, which its channels carry
    /// (``ScheduledEventChannel``).
    @usableFromInline let serial: UInt64

    public init(clock: VirtualClock = VirtualClock()) {
        self.clock = clock
        self.serial = EventQueue.serials.add(1, ordering: .relaxed).newValue
    }

    private static let serials = Atomic<UInt64>(0)

    @inlinable
    public var now: VirtualInstant { clock.now }

    // MARK: Scheduling

    /// Schedules `action` at `deadline` (or now, if that has passed).
    @discardableResult
    public func schedule(at deadline: VirtualInstant, _ label: String = "", _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        insert(at: deadline, ClosureEvent(action, label: label))
    }

    /// Schedules `action` `delay` after the current time.
    @discardableResult
    public func schedule(after delay: VirtualDuration, _ label: String = "", _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        schedule(at: clock.now + delay, label, action)
    }

    /// Schedules `action` `delay` after the current time, with a label built only when
    /// ``pendingLabels`` asks for it.
    @discardableResult
    public func schedule(after delay: VirtualDuration, label: @escaping @Sendable () -> String, _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        insert(at: clock.now + delay, ClosureEvent(action, label: "", describe: label))
    }

    /// Schedules `action` `delay` after the current time: the queue keeps the object itself and
    /// calls its ``ScheduledAction/run()``, with nothing else to allocate.
    @discardableResult
    public func schedule(after delay: VirtualDuration, _ action: consuming any ScheduledAction) -> ScheduledEventID {
        insert(at: clock.now + delay, action)
    }

    /// Schedules `action` at `deadline` (or now, if that has passed).
    @discardableResult
    public func schedule(at deadline: VirtualInstant, _ action: consuming any ScheduledAction) -> ScheduledEventID {
        insert(at: deadline, action)
    }

    private func insert(at deadline: VirtualInstant, _ action: consuming any ScheduledAction) -> ScheduledEventID {
        let now = clock.now.rawValue
        let due = max(deadline.rawValue, now)
        // Handed into the lock's closure through an optional it takes from, so the reference
        // moves into the slab instead of being retained there and released here.
        var handOver: (any ScheduledAction)? = consume action
        return state.withLock { $0.insert(due: due, now: now, handOver.take()!) }
    }

    /// Cancels an event that has not run yet; `false` when it already ran, was already
    /// cancelled, or never existed.
    @discardableResult
    public func cancel(_ id: ScheduledEventID) -> Bool {
        // An action is let go of outside the lock: what it owns may do anything when freed.
        let (found, action): (Bool, (any ScheduledAction)?) = state.withLock { state in
            guard let slot = state.slots.slot(of: id) else { return (false, nil) }
            return (true, state.cancel(slot: slot))
        }
        _ = consume action
        return found
    }

    // MARK: Running

    /// Runs every event due at or before `target` in order, then sets the clock to `target`
    /// (unless it is already later). Returns how many events ran.
    @discardableResult
    public func run(until target: VirtualInstant) -> Int {
        var ran = 0
        while runDue(notAfter: target.rawValue) { ran += 1 }
        state.withLock { _ in clock.advance(to: target) }
        return ran
    }

    /// `EmbeddedEventLoop.advanceTime(by:)`: runs what falls due in the next `delay`.
    @discardableResult
    public func advance(by delay: VirtualDuration) -> Int {
        run(until: clock.now + delay)
    }

    /// Runs events until none is left, or until `limit` events have run (a guard against an
    /// event that reschedules itself for ever). The clock stops at the last event's deadline.
    @discardableResult
    public func runUntilEmpty(limit: Int = .max) -> Int {
        var ran = 0
        while ran < limit, runDue(notAfter: .max) { ran += 1 }
        return ran
    }

    /// Runs the next event alone, whenever it is due; `false` when the queue is empty.
    @discardableResult
    public func runNext() -> Bool {
        runUntilEmpty(limit: 1) == 1
    }

    /// Runs the next event alone if it is due at or before `target`; `false` when none is (the
    /// clock does not move then). `while nextDeadline <= target { runNext() }` in one step.
    @discardableResult
    public func runNext(notAfter target: VirtualInstant) -> Bool {
        runDue(notAfter: target.rawValue)
    }

    /// Takes the next event due at or before `target` off the queue (the clock moving to its
    /// deadline under the same lock) and runs it; `false` when none is due.
    @inline(__always)
    private func runDue(notAfter target: UInt64) -> Bool {
        // A value event is copied out of the slab, so its slot can be reused by whatever it
        // schedules.
        guard let due = state.withLock({ $0.popDue(notAfter: target, clock: clock) }) else { return false }
        switch consume due {
        case .action(let action):
            action.run()
        case .value(let handler, let payload):
            handler.run(payload)
        }
        return true
    }

    // MARK: Inspection

    /// Events scheduled and neither run nor cancelled.
    public var pendingCount: Int { state.withLock { $0.slots.liveCount } }
    /// Events run so far.
    public var executedCount: UInt64 { state.withLock { $0.executed } }

    /// The deadline of the next event that will run, if any.
    public var nextDeadline: VirtualInstant? {
        state.withLock { $0.peek().map { VirtualInstant(rawValue: $0.key.deadline) } }
    }

    /// The labels of pending events in the order they will run (for reports and tests).
    public var pendingLabels: [String] {
        let events = state.withLock { state in
            state.liveKeysInOrder.map { key in
                let event = state.slots.event(at: Int(key.slot))
                return (event.action, event.action == nil ? state.handlers[event.handler] : nil, event.payload)
            }
        }
        // Built outside the lock: a label may read anything.
        return events.map { action, entry, payload in
            action?.scheduledLabel ?? entry!._label(of: payload)
        }
    }

    public func _checkInvariants() {
        state.withLock { $0._checkInvariants() }
    }
}
