/// Names one scheduled event so it can be cancelled. Identifiers are the events' insertion
/// sequence numbers: unique per queue and never reused.
public struct ScheduledEventID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "event #\(rawValue)" }
}

/// One entry of the queue's heap. Ordered by deadline, then by insertion sequence, so two
/// events due at the same instant run in the order they were scheduled: a total order that
/// does not depend on the heap's internal layout, which is what makes runs deterministic.
struct ScheduledEvent: Comparable {
    let deadline: VirtualInstant
    let id: ScheduledEventID
    let label: String
    let action: @Sendable () -> Void

    static func < (a: Self, b: Self) -> Bool {
        (a.deadline, a.id.rawValue) < (b.deadline, b.id.rawValue)
    }

    static func == (a: Self, b: Self) -> Bool { a.id == b.id }
}
