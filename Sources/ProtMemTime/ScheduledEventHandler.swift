/// A receiver of value events: registered with a queue once (``EventQueue/register(_:)``),
/// then sent events that are plain values, which the queue keeps in its slab and hands back
/// when they are due.
///
/// For callers that schedule many small events (a device's steps): an object per event
/// (``ScheduledAction``) costs an allocation, a free and reference counting every time, where
/// a value event costs a copy of a few words. The queue keeps the handler alive for as long as
/// the queue lives, so an event never retains it.
public protocol ScheduledEventHandler: AnyObject, Sendable {
    /// One event: plain bits, no references (so the queue can copy it without reference
    /// counting), and at most ``ScheduledEventPayload/capacity`` bytes.
    associatedtype Event: BitwiseCopyable & Sendable

    /// Runs `event`, with the clock at its deadline and outside the queue's lock (it may
    /// schedule and cancel events).
    func run(_ event: Event)
    /// What ``EventQueue/pendingLabels`` lists for `event`; built only when asked.
    func label(of event: Event) -> String

    /// The queue's way in, with the event's type erased; the default below is the only sensible
    /// implementation. A pointer, to the queue's copy of the event, so the event is read once,
    /// where the handler reads its fields.
    func _run(_ payload: UnsafePointer<ScheduledEventPayload>)
    /// As ``_run(_:)``, for ``label(of:)``.
    func _label(of payload: borrowing ScheduledEventPayload) -> String
}

extension ScheduledEventHandler {
    // Inlinable so a conformance's witness loads its own `Event` type directly, with no
    // generic value-witness call on every event.
    @inlinable
    public func _run(_ payload: UnsafePointer<ScheduledEventPayload>) {
        run(UnsafeRawPointer(payload).load(as: Event.self))
    }

    @inlinable
    public func _label(of payload: borrowing ScheduledEventPayload) -> String {
        label(of: payload.load(as: Event.self))
    }
}

/// A handler's registration with one queue: what ``EventQueue/schedule(after:on:_:)`` takes to
/// send the handler an event. Plain values, so keeping and passing one costs nothing.
public struct ScheduledEventChannel<Handler: ScheduledEventHandler>: Sendable, Hashable {
    /// The queue's serial number (``EventQueue``): a channel is only good on the queue that
    /// made it, and the queue checks.
    @usableFromInline let queue: UInt64
    /// Where the queue keeps the handler.
    @usableFromInline let handler: UInt32
}

/// A value event as the queue stores it: the event's bytes, in a fixed number of words.
///
/// Fixed, so the queue's slab is one array of these and copying one is a few vector moves. 64
/// bytes, one cache line (the slab aligns them so): taking an event off the queue touches one
/// line of the slab, where 80 bytes straddled two on most events. It holds a device event (its
/// step, its label's parts, its epoch).
@frozen
public struct ScheduledEventPayload: BitwiseCopyable, Sendable {
    /// The largest event, in bytes.
    public static var capacity: Int { MemoryLayout<Storage>.size }

    @usableFromInline
    typealias Storage = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)

    @usableFromInline
    var storage: Storage = (0, 0, 0, 0, 0, 0, 0, 0)

    @usableFromInline
    init() {}

    /// Whether an event type fits (checked when a handler registers, and folded away where an
    /// event is stored).
    @inlinable
    static func fits<Event: BitwiseCopyable>(_ type: Event.Type) -> Bool {
        MemoryLayout<Event>.size <= MemoryLayout<Storage>.size
            && MemoryLayout<Event>.alignment <= MemoryLayout<Storage>.alignment
    }

    /// Stores `event` in the payload at `slot`.
    @inlinable
    static func store<Event: BitwiseCopyable>(_ event: Event, at slot: UnsafeMutablePointer<ScheduledEventPayload>) {
        precondition(fits(Event.self), "an event of \(MemoryLayout<Event>.size) bytes does not fit a payload")
        UnsafeMutableRawPointer(slot).storeBytes(of: event, as: Event.self)
    }

    @inlinable
    func load<Event: BitwiseCopyable>(as type: Event.Type) -> Event {
        withUnsafeBytes(of: storage) { $0.load(as: Event.self) }
    }
}
