import Synchronization

/// Every translation fault the GPU MMU raised, in order, across its address spaces.
///
/// Kept whole, like the bus's `FaultLog`: the faults are what a protected-memory test comes
/// to see, so none may be dropped.
public final class GPUFaultLog: Sendable {
    private let state = Mutex<[GPUTranslationFault]>([])

    public init() {}

    public func record(_ fault: GPUTranslationFault) {
        state.withLock { $0.append(fault) }
    }

    public var faults: [GPUTranslationFault] { state.withLock { $0 } }
    public var count: Int { state.withLock { $0.count } }

    /// Faults recorded after the first `start` ones: what one step of a test caused.
    public func faults(since start: Int) -> [GPUTranslationFault] {
        state.withLock { Array($0.dropFirst(start)) }
    }
}
