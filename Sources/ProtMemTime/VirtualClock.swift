import Synchronization

/// The simulation's clock: it reads ``VirtualInstant/zero`` until an ``EventQueue`` moves it,
/// and it only ever moves forward.
///
/// Devices hold the clock, not the queue, when all they need is the time: they can read it but
/// cannot advance it, so only the queue's run loop decides what time it is. The time is one
/// atomic word, since devices read it on every step.
public final class VirtualClock: Sendable {
    @usableFromInline let nanoseconds = Atomic<UInt64>(0)

    public init() {}

    /// Inlinable: read on every device step and every schedule, from other modules, where a
    /// call per read would cost more than the read (one load).
    @inlinable
    public var now: VirtualInstant { VirtualInstant(rawValue: nanoseconds.load(ordering: .acquiring)) }

    /// Moves the clock to `target` when that is later; an earlier target is ignored, so time
    /// never runs backwards.
    func advance(to target: VirtualInstant) {
        var current = nanoseconds.load(ordering: .relaxed)
        while target.rawValue > current {
            let (exchanged, original) = nanoseconds.compareExchange(expected: current, desired: target.rawValue, ordering: .acquiringAndReleasing)
            if exchanged { return }
            current = original
        }
    }
}
