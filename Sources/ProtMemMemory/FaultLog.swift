import Synchronization

/// Every fault a part of the board refused, in order: the bus's access faults, the GPU MMU's
/// translation faults.
///
/// Kept whole (no ring buffer): a report that silently dropped faults would hide exactly
/// what a user came to see.
public final class RecordLog<Record: Sendable>: Sendable {
    private let state = Mutex<[Record]>([])

    public init() {}

    public func record(_ record: Record) {
        state.withLock { $0.append(record) }
    }

    public var faults: [Record] { state.withLock { $0 } }
    public var count: Int { state.withLock { $0.count } }

    /// Records made after the first `start` ones: what one step of a test caused.
    public func faults(since start: Int) -> [Record] {
        state.withLock { Array($0.dropFirst(start)) }
    }
}

/// The faults the bus refused.
public typealias FaultLog = RecordLog<AccessFault>
