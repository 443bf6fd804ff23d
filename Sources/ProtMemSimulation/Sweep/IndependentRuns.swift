import Dispatch
import Synchronization

/// Runs that share nothing (each its own board, clock and seed: one (seed, design) of a
/// sweep), made on every core at once. Each run is single-threaded as ever; the results come
/// back in the order of their indices, so the output does not depend on which finished first.
public enum IndependentRuns {
    private final class Results<T: Sendable>: Sendable {
        let slots: Mutex<[T?]>
        init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }
    }

    public static func map<T: Sendable>(_ count: Int, _ body: @Sendable (Int) -> T) -> [T] {
        let results = Results<T>(count: count)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            let value = body(index)
            results.slots.withLock { $0[index] = value }
        }
        return results.slots.withLock { $0.map { $0! } }
    }
}
