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
    /// implementation.
    func _run(_ payload: borrowing ScheduledEventPayload)
    /// As ``_run(_:)``, for ``label(of:)``.
    func _label(of payload: borrowing ScheduledEventPayload) -> String
}

extension ScheduledEventHandler {
    // Inlinable so a conformance's witness loads its own `Event` type directly, with no
    // generic value-witness call on every event.
    @inlinable
    public func _run(_ payload: borrowing ScheduledEventPayload) {
        run(payload.load(as: Event.self))
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
