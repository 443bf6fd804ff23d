/// Names one scheduled event so it can be cancelled. Identifiers are the events' insertion
/// sequence numbers: unique per queue and never reused.
///
/// An identifier the queue hands out also remembers where the queue keeps the event, so
/// cancelling it needs no search; equality, hashing and order look at the sequence number alone.
public struct ScheduledEventID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    /// The queue's payload slot, or `unknownSlot` for an identifier built from a raw value.
    let slot: UInt32

    public init(rawValue: UInt64) {
        self.rawValue = rawValue
        self.slot = Self.unknownSlot
    }

    init(rawValue: UInt64, slot: UInt32) {
        self.rawValue = rawValue
        self.slot = slot
    }

    static let unknownSlot = UInt32.max

    public static func == (a: Self, b: Self) -> Bool { a.rawValue == b.rawValue }
    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "event #\(rawValue)" }
}

/// One entry of the queue's heaps: plain integers, so moving it inside a heap costs no
/// reference counting. Ordered by deadline, then by insertion sequence, so two events due at
/// the same instant run in the order they were scheduled: a total order that does not depend
/// on the heap's internal layout, which is what makes runs deterministic.
struct ScheduledEventKey: Comparable {
    let deadline: UInt64
    let sequence: UInt64
    /// Where the event's action waits in the queue's slab.
    let slot: UInt32

    /// (deadline, sequence) as one 128-bit number: one wide comparison, no branch on whether
    /// the deadlines tie (they often do: interrupts and ticks are due the instant they are
    /// scheduled).
    @inline(__always)
    var order: UInt128 { UInt128(deadline) << 64 | UInt128(sequence) }

    @inline(__always)
    static func < (a: Self, b: Self) -> Bool { a.order < b.order }

    static func == (a: Self, b: Self) -> Bool { a.sequence == b.sequence }
}

/// An object that is its own event: the queue keeps the object and calls ``run()`` when the
/// event is due, so a caller that already allocates one object per event (holding what the
/// event needs) hands the queue nothing else to allocate.
public protocol ScheduledAction: AnyObject, Sendable {
    /// Runs the event, with the clock at its deadline and outside the queue's lock (it may
    /// schedule and cancel events).
    func run()
    /// What ``EventQueue/pendingLabels`` lists for the event; built only when asked.
    var scheduledLabel: String { get }
}

/// The event of the closure-taking `schedule` methods: the closure and its label (or the
/// closure that builds it, for callers that schedule often and would otherwise format a
/// string per event nobody reads).
final class ClosureEvent: ScheduledAction {
    let action: @Sendable () -> Void
    let label: String
    let describe: (@Sendable () -> String)?

    init(_ action: @escaping @Sendable () -> Void, label: String, describe: (@Sendable () -> String)? = nil) {
        self.action = action
        self.label = label
        self.describe = describe
    }

    func run() { action() }
    var scheduledLabel: String { describe?() ?? label }
}
