import Synchronization

/// Every fault the bus has refused on one board, in order.
///
/// Kept whole (no ring buffer): a report that silently dropped faults would hide exactly
/// what a user came to see.
public final class FaultLog: Sendable {
    private let state = Mutex<[AccessFault]>([])

    public init() {}

    public func record(_ fault: AccessFault) {
        state.withLock { $0.append(fault) }
    }

    public var faults: [AccessFault] { state.withLock { $0 } }
    public var count: Int { state.withLock { $0.count } }

    /// Faults recorded after the first `start` ones: what one step of a test caused.
    public func faults(since start: Int) -> [AccessFault] {
        state.withLock { Array($0.dropFirst(start)) }
    }
}
