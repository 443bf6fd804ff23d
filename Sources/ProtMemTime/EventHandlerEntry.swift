/// A registered handler (``ScheduledEventHandler``) as the queue keeps it: one object per
/// registration that the queue holds for its whole life; a due event takes it out of the lock
/// with its payload (``EventQueueState/Due``).
final class EventHandlerEntry: Sendable {
    let handler: any ScheduledEventHandler

    init(_ handler: any ScheduledEventHandler) {
        self.handler = handler
    }
}
