import Synchronization

/// A deterministic event queue over a ``VirtualClock``, shaped like swift-nio's
/// `EmbeddedEventLoop`: nothing happens until the owner runs it, and running it moves the
/// clock from one deadline to the next.
///
/// Events are kept in a binary heap keyed by (deadline, insertion sequence), so events due at
/// the same instant run in the order they were scheduled, whatever the heap's layout: one
/// sequence of calls gives one sequence of events, byte for byte.
///
/// Rules:
/// 1. ``schedule(at:_:_:)`` with a deadline already past runs the event at the current time
///    (as a NIO task scheduled in the past runs on the next turn), never earlier.
/// 2. An action runs with the clock set to its deadline, outside the queue's lock, so it may
///    schedule and cancel events; an event it schedules for a time the run has not passed yet
///    runs in the same run.
/// 3. ``cancel(_:)`` removes an event that has not run (lazily: it is skipped when it reaches
///    the top of the heap).
///
/// Thread-safety: every method may be called from any thread, but a simulation runs its queue
/// from one thread; concurrent runs of the same queue interleave events in no defined order.
///
/// - Complexity: scheduling and running an event are O(log n) in the number of pending events;
///   cancelling is O(1).
public final class EventQueue: Sendable {
    public let clock: VirtualClock

    private struct State {
        var heap = EventHeap<ScheduledEventKey>()
        /// Labels and actions, indexed by the keys' slots; freed slots are reused.
        var payloads: [ScheduledEventPayload] = []
        var freeSlots: [UInt32] = []
        /// Events scheduled and neither run nor cancelled.
        var liveCount = 0
        var nextSequence: UInt64 = 1
        var executed: UInt64 = 0

        func isLive(_ key: ScheduledEventKey) -> Bool {
            payloads[Int(key.slot)].sequence == key.sequence
        }

        /// Empties a live slot and returns it to the free list.
        mutating func free(_ slot: Int) {
            payloads[slot].sequence = 0
            payloads[slot].label = ""
            payloads[slot].describe = nil
            payloads[slot].action = nil
            freeSlots.append(UInt32(slot))
            liveCount -= 1
        }

        /// The slot holding the live event `id`, if any.
        func slot(of id: ScheduledEventID) -> Int? {
            guard id.rawValue != 0 else { return nil }
            if id.slot != ScheduledEventID.unknownSlot {
                let slot = Int(id.slot)
                return slot < payloads.count && payloads[slot].sequence == id.rawValue ? slot : nil
            }
            // An identifier built from a raw value: look for it (tests only).
            return payloads.firstIndex { $0.sequence == id.rawValue }
        }
    }

    private let state = Mutex(State())

    public init(clock: VirtualClock = VirtualClock()) {
        self.clock = clock
    }

    public var now: VirtualInstant { clock.now }

    // MARK: Scheduling

    /// Schedules `action` at `deadline` (or now, if that has passed).
    @discardableResult
    public func schedule(at deadline: VirtualInstant, _ label: String = "", _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        insert(at: deadline, label: label, describe: nil, action)
    }

    /// Schedules `action` `delay` after the current time, with a label built only when
    /// ``pendingLabels`` asks for it.
    @discardableResult
    public func schedule(after delay: VirtualDuration, label: @escaping @Sendable () -> String, _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        insert(at: clock.now + delay, label: "", describe: label, action)
    }

    private func insert(at deadline: VirtualInstant, label: String, describe: (@Sendable () -> String)?, _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        let due = max(deadline, clock.now)
        return state.withLock { state in
            let sequence = state.nextSequence
            state.nextSequence += 1
            let payload = ScheduledEventPayload(sequence: sequence, label: label, describe: describe, action: action)
            let slot: UInt32
            if let reused = state.freeSlots.popLast() {
                slot = reused
                state.payloads[Int(slot)] = payload
            } else {
                slot = UInt32(state.payloads.count)
                state.payloads.append(payload)
            }
            state.heap.insert(ScheduledEventKey(deadline: due.rawValue, sequence: sequence, slot: slot))
            state.liveCount += 1
            return ScheduledEventID(rawValue: sequence, slot: slot)
        }
    }

    /// Schedules `action` `delay` after the current time.
    @discardableResult
    public func schedule(after delay: VirtualDuration, _ label: String = "", _ action: @escaping @Sendable () -> Void) -> ScheduledEventID {
        schedule(at: clock.now + delay, label, action)
    }

    /// Cancels an event that has not run yet; `false` when it already ran, was already
    /// cancelled, or never existed.
    @discardableResult
    public func cancel(_ id: ScheduledEventID) -> Bool {
        state.withLock { state in
            guard let slot = state.slot(of: id) else { return false }
            state.free(slot)
            return true
        }
    }

    // MARK: Running

    /// Runs every event due at or before `target` in order, then sets the clock to `target`
    /// (unless it is already later). Returns how many events ran.
    @discardableResult
    public func run(until target: VirtualInstant) -> Int {
        var ran = 0
        while let due = popDue(notAfter: target) {
            clock.advance(to: due.deadline)
            due.action()
            ran += 1
        }
        clock.advance(to: target)
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
        while ran < limit, let due = popDue(notAfter: .distantFuture) {
            clock.advance(to: due.deadline)
            due.action()
            ran += 1
        }
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
        guard let due = popDue(notAfter: target) else { return false }
        clock.advance(to: due.deadline)
        due.action()
        return true
    }

    // MARK: Inspection

    /// Events scheduled and neither run nor cancelled.
    public var pendingCount: Int { state.withLock { $0.liveCount } }
    /// Events run so far.
    public var executedCount: UInt64 { state.withLock { $0.executed } }

    /// The deadline of the next event that will run, if any.
    public var nextDeadline: VirtualInstant? {
        state.withLock { state in
            Self.dropCancelled(&state)
            return state.heap.min.map { VirtualInstant(rawValue: $0.deadline) }
        }
    }

    /// The labels of pending events in the order they will run (for reports and tests).
    public var pendingLabels: [String] {
        state.withLock { state in
            state.heap.storage.filter { state.isLive($0) }.sorted().map { state.payloads[Int($0.slot)].text }
        }
    }

    public func _checkInvariants() {
        state.withLock { state in
            state.heap._checkInvariants()
            precondition(state.liveCount <= state.heap.count, "more live events than heap entries")
            precondition(state.liveCount + state.freeSlots.count == state.payloads.count, "slots neither live nor free")
            precondition(state.heap.storage.filter { state.isLive($0) }.count == state.liveCount, "live events missing from the heap")
        }
    }

    /// An event taken off the queue to run. A struct, not a tuple: a closure inside a tuple
    /// returned through the lock's generic `withLock` is re-wrapped (two allocations per event);
    /// a struct's stored closure keeps its representation.
    private struct DueEvent {
        let deadline: VirtualInstant
        let action: @Sendable () -> Void
    }

    private func popDue(notAfter target: VirtualInstant) -> DueEvent? {
        state.withLock { state in
            Self.dropCancelled(&state)
            guard let next = state.heap.min, next.deadline <= target.rawValue else { return nil }
            _ = state.heap.popMin()
            let slot = Int(next.slot)
            let action = state.payloads[slot].action!
            state.free(slot)
            state.executed += 1
            return DueEvent(deadline: VirtualInstant(rawValue: next.deadline), action: action)
        }
    }

    private static func dropCancelled(_ state: inout State) {
        while let top = state.heap.min, !state.isLive(top) {
            _ = state.heap.popMin()
        }
    }
}
