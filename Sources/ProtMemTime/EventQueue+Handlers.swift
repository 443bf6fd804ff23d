/// Value events: a handler registers once, then each event is a plain value the queue copies
/// into its slab and hands back to the handler when due, with nothing allocated and nothing
/// retained per event (``ScheduledEventHandler``).
extension EventQueue {
    /// Registers `handler` for value events and returns the channel to send them on. The
    /// queue keeps the handler for as long as the queue lives; register a handler once and
    /// keep the channel.
    public func register<Handler: ScheduledEventHandler>(_ handler: Handler) -> ScheduledEventChannel<Handler> {
        precondition(ScheduledEventPayload.fits(Handler.Event.self),
                     "\(Handler.Event.self) is \(MemoryLayout<Handler.Event>.size) bytes; a value event holds at most \(ScheduledEventPayload.capacity)")
        let number = state.withLock { state in
            state.handlers.append(handler)
        }
        return ScheduledEventChannel(queue: serial, handler: number)
    }

    /// Sends `event` to the channel's handler `delay` after the current time.
    @inlinable
    @discardableResult
    public func schedule<Handler>(after delay: VirtualDuration, on channel: ScheduledEventChannel<Handler>, _ event: Handler.Event) -> ScheduledEventID {
        insert(at: clock.now + delay, queue: channel.queue, handler: channel.handler, ScheduledEventPayload(event))
    }

    /// Sends `event` to the channel's handler at `deadline` (or now, if that has passed).
    @inlinable
    @discardableResult
    public func schedule<Handler>(at deadline: VirtualInstant, on channel: ScheduledEventChannel<Handler>, _ event: Handler.Event) -> ScheduledEventID {
        insert(at: deadline, queue: channel.queue, handler: channel.handler, ScheduledEventPayload(event))
    }

    /// Files the event `payload` for `handler`.
    @usableFromInline
    func insert(at deadline: VirtualInstant, queue: UInt64, handler: UInt32, _ payload: ScheduledEventPayload) -> ScheduledEventID {
        // A channel of another queue would name another handler, which would read the event
        // as its own type.
        precondition(queue == serial, "a channel used on a queue other than the one that made it")
        let now = clock.now.rawValue
        let due = max(deadline.rawValue, now)
        return state.withLock { $0.insert(due: due, now: now, handler: handler, payload) }
    }
}
