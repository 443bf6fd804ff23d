import Synchronization

/// What the protected pools looked like when a run first failed: the first fault recorded (an
/// allocation refused, or what it led to) or the error that stopped the run. A pool one page
/// too small fails here, and its largest free extent then is the fragmentation that made the
/// difference: enough bytes free in all, not enough in one piece.
public struct FirstFailure: Codable, Hashable, Sendable {
    /// Per pool: its free bytes and largest free extent at that moment.
    public struct PoolState: Codable, Hashable, Sendable {
        public var pool: String
        public var freeBytes: UInt64
        public var largestFreeExtentBytes: UInt64
    }

    /// Virtual nanoseconds since the boot.
    public var time: UInt64
    /// The fault line, or the run's error.
    public var what: String
    public var pools: [PoolState]
}

/// Watches a run for its first failure and measures the pools then. The run sets ``measure``
/// once its board exists; the recorder fires on its first fault, the run on an error.
final class FirstFailureWatch: Sendable {
    private struct State {
        var measure: (@Sendable () -> [FirstFailure.PoolState])?
        var found: FirstFailure?
    }
    private let state = Mutex(State())

    var measure: (@Sendable () -> [FirstFailure.PoolState])? {
        get { state.withLock { $0.measure } }
        set { state.withLock { $0.measure = newValue } }
    }

    var found: FirstFailure? { state.withLock { $0.found } }

    /// The first call measures the pools (outside the lock: measuring asks the board); later
    /// calls do nothing.
    func fire(_ what: String, at time: UInt64) {
        let measure = state.withLock { state -> (@Sendable () -> [FirstFailure.PoolState])?? in
            guard state.found == nil else { return nil }
            state.found = FirstFailure(time: time, what: what, pools: [])
            return .some(state.measure)
        }
        guard let measure else { return }
        let pools = measure?() ?? []
        state.withLock { $0.found?.pools = pools }
    }
}
