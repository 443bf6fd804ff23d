/// A registered handler (``ScheduledEventHandler``) as the queue keeps it: one object per
/// registration that the queue holds for its whole life, so a due event can reach its handler
/// unretained (``EventQueueState/Due``) once the queue's lock is let go.
final class EventHandlerEntry: Sendable {
    let handler: any ScheduledEventHandler

    init(_ handler: any ScheduledEventHandler) {
        self.handler = handler
    }
}
