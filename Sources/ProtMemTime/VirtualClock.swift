import Synchronization

/// The simulation's clock: it reads ``VirtualInstant/zero`` until an ``EventQueue`` moves it,
/// and it only ever moves forward.
///
/// Devices hold the clock, not the queue, when all they need is the time: they can read it but
/// cannot advance it, so only the queue's run loop decides what time it is.
public final class VirtualClock: Sendable {
    private let instant = Mutex(VirtualInstant.zero)

    public init() {}

    public var now: VirtualInstant { instant.withLock { $0 } }

    /// Moves the clock to `target` when that is later; an earlier target is ignored, so time
    /// never runs backwards.
    func advance(to target: VirtualInstant) {
        instant.withLock { if target > $0 { $0 = target } }
    }
}
