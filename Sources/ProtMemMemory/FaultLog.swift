import Synchronization

/// Every fault a part of the board refused, in order: the bus's access faults, the GPU MMU's
/// translation faults.
///
/// The first ``limit`` records are kept whole (no ring buffer: a report that silently dropped
/// the first faults would hide exactly what a user came to see); later ones are counted, so
/// a run that faults every frame for days holds what one that faulted for a minute holds.
public final class RecordLog<Record: Sendable>: Sendable {
    /// Records kept word for word by default: far more than any report lists.
    public static var defaultLimit: Int { 1 << 16 }

    private struct State {
        var kept: [Record] = []
        var total = 0
        var latest: Record?
    }

    private let state = Mutex(State())
    /// How many records are kept; the rest are only counted.
    public let limit: Int

    public convenience init() {
        self.init(limit: Self.defaultLimit)
    }

    public init(limit: Int) {
        self.limit = max(0, limit)
    }

    public func record(_ record: Record) {
        state.withLock { state in
            if state.kept.count < limit { state.kept.append(record) }
            state.total += 1
            state.latest = record
        }
    }

    /// The records kept: the first ``limit``.
    public var faults: [Record] { state.withLock { $0.kept } }
    /// Every record made, kept or only counted.
    public var count: Int { state.withLock { $0.total } }

    /// The last record made, kept or only counted, and its position among all of them: who
    /// was just refused, for a caller that reports the same refusal in its own words.
    public var latest: (record: Record, index: Int)? {
        state.withLock { state in state.latest.map { ($0, state.total - 1) } }
    }

    /// Records made after the first `start` ones (those kept): what one step of a test caused.
    public func faults(since start: Int) -> [Record] {
        state.withLock { Array($0.kept.dropFirst(start)) }
    }
}

/// The faults the bus refused.
public typealias FaultLog = RecordLog<AccessFault>
