#if PROTMEM_TSAN_LOCKS
import Dispatch
import Foundation
import Synchronization
import Testing

/// Proof that the ThreadSanitizer run can fail: compiled only into TSan builds
/// (`-DPROTMEM_TSAN_LOCKS`) and run only when `PROTMEM_TSAN_PROBE` is set, which
/// Scripts/sanitize.sh does in a separate `swift test` that must end in a TSan report.
///
/// - `realRace`: two threads increment one plain counter. TSan must report it.
/// - `contendedMutex`: the same, under this module's `Mutex` (``PThreadMutex`` in these
///   builds) and contended. TSan must stay quiet: the suite's clean run means something
///   only if a correctly locked counter is not reported.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["PROTMEM_TSAN_PROBE"] != nil))
struct ThreadSanitizerProbeTests {
    final class Counter: @unchecked Sendable {
        var value = 0
    }

    final class Arrivals: Sendable {
        let count = Atomic<Int>(0)
    }

    /// Runs `body` on `count` threads of their own at the same time, and waits for all.
    /// (`DispatchQueue.concurrentPerform` may run short work on one thread, where nothing
    /// races; and a thread that ends before the next starts is ordered before it by
    /// Foundation's own locks, which hides the race.) Each thread waits until all have
    /// arrived, so their bodies overlap.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let arrived = Arrivals()
        let threads = (0..<count).map { _ in
            Thread {
                arrived.count.add(1, ordering: .relaxed)
                while arrived.count.load(ordering: .relaxed) < count {}
                body()
                done.signal()
            }
        }
        for thread in threads { thread.start() }
        for _ in threads { done.wait() }
    }

    @Test func realRace() {
        let counter = Counter()
        Self.onThreads(2) {
            for _ in 0..<100_000 { counter.value += 1 }
        }
        #expect(counter.value > 0)
    }

    @Test func contendedMutex() {
        let counter = Mutex(0)
        Self.onThreads(4) {
            for _ in 0..<100_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 400_000)
    }

    /// The reason for ``PThreadMutex``: `Synchronization.Mutex`, contended, is reported
    /// though nothing races (its slow path is a futex TSan does not see). Run alone with
    /// `PROTMEM_TSAN_PROBE=1 swift test ... --filter synchronizationMutexIsInvisible`.
    @Test func synchronizationMutexIsInvisible() {
        let counter = Synchronization.Mutex(0)
        Self.onThreads(4) {
            for _ in 0..<100_000 { counter.withLock { $0 += 1 } }
        }
        #expect(counter.withLock { $0 } == 400_000)
    }
}
#endif
