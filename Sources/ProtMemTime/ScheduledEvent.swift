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

/// One entry of the queue's heap: plain integers, so moving it inside the heap costs no
/// reference counting. Ordered by deadline, then by insertion sequence, so two events due at
/// the same instant run in the order they were scheduled: a total order that does not depend
/// on the heap's internal layout, which is what makes runs deterministic.
struct ScheduledEventKey: Comparable {
    let deadline: UInt64
    let sequence: UInt64
    /// Where the event's label and action wait in the queue's slab.
    let slot: UInt32

    @inline(__always)
    static func < (a: Self, b: Self) -> Bool {
        a.deadline != b.deadline ? a.deadline < b.deadline : a.sequence < b.sequence
    }

    static func == (a: Self, b: Self) -> Bool { a.sequence == b.sequence }
}

/// What an event carries besides its place in line. A slot is live while `sequence` names the
/// event it holds; running or cancelling the event sets it to zero (no event has sequence 0)
/// and puts the slot on the free list, so a stale heap key finds a sequence that is not its own.
struct ScheduledEventPayload {
    var sequence: UInt64
    var label: String
    /// Builds the label when someone asks (``EventQueue/pendingLabels``), for callers that
    /// schedule often and would otherwise format a string per event nobody reads.
    var describe: (@Sendable () -> String)?
    var action: (@Sendable () -> Void)?

    var text: String { describe?() ?? label }
}
