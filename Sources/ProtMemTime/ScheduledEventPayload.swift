/// One of the few storage types allowed unsafe code (README, "Unsafe code"): the event's bytes
/// are stored and read back through raw memory, because a payload erases the event's type so
/// the slab can be one array of plain words. Safe because an event is `BitwiseCopyable` (no
/// references to count), must fit (checked on both sides, in release builds too), and is read
/// back only as the type its channel names.
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

    /// `event`'s bytes, the rest zero.
    @inlinable
    init<Event: BitwiseCopyable>(_ event: Event) {
        precondition(Self.fits(Event.self), "an event of \(MemoryLayout<Event>.size) bytes does not fit a payload")
        withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: event, as: Event.self) }
    }

    /// The event stored, read as `type`: the handler's own `Event`, which the channel that
    /// sent it names (the queue checks that a channel is used on its own queue only).
    @inlinable
    func load<Event: BitwiseCopyable>(as type: Event.Type) -> Event {
        precondition(Self.fits(Event.self), "an event of \(MemoryLayout<Event>.size) bytes does not fit a payload")
        return withUnsafeBytes(of: storage) { $0.load(as: Event.self) }
    }

    /// The layout the slab and its cache-line alignment rely on.
    func _checkInvariants() {
        precondition(MemoryLayout<Self>.size == 64 && MemoryLayout<Self>.stride == 64, "a payload is one 64-byte cache line")
        precondition(MemoryLayout<Self>.alignment <= 64, "a payload aligns within a line")
    }
}
