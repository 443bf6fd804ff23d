import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a lock for short critical sections: the event queue's state, which every
/// schedule, run and cancel takes for a few dozen instructions (file a key, take one), two or
/// three times per event.
///
/// Not `Mutex`, because `Mutex`'s unlock is an atomic read-modify-write (it has to find out
/// whether a thread sleeps on the lock), and on this path that second atomic is a measurable
/// part of an event: here unlocking is a plain release store (the queue's micro-benchmark:
/// 23.6 ns per event with `Mutex`, 19.3 with this). A thread that finds the lock held spins
/// briefly, then yields the processor until it is free, so a holder that was preempted gets
/// to run. For sections that may be long (a device's whole operation), use `Mutex`.
///
/// One of the few storage types allowed unsafe code (README, "Unsafe code"): `@unchecked
/// Sendable` and an unchecked-exclusivity `value`, sound because the value is reached only
/// inside ``withLock(_:)``, between an acquiring exchange and a releasing store.
final class SpinLocked<Value: ~Copyable>: @unchecked Sendable {
    private let locked = Atomic<Bool>(false)
    /// Touched only between `lock()` and `unlock()`, so the runtime's exclusivity checks
    /// (a class's stored `var`) are left out.
    @exclusivity(unchecked) private var value: Value

    init(_ value: consuming sending Value) {
        self.value = value
    }

    @inline(__always)
    func withLock<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        lock()
        defer { unlock() }
        return try body(&value)
    }

    @inline(__always)
    private func lock() {
        if locked.exchange(true, ordering: .acquiring) { lockSlow() }
    }

    /// Waits for the holder, reading (not writing) the flag so the waiters do not take the
    /// cache line from it, and yielding after a short spin.
    @inline(never)
    private func lockSlow() {
        var spins = 0
        repeat {
            while locked.load(ordering: .relaxed) {
                if spins < 100 { spins += 1 } else { sched_yield() }
            }
        } while locked.exchange(true, ordering: .acquiring)
    }

    @inline(__always)
    private func unlock() {
        locked.store(false, ordering: .releasing)
    }

    /// Outside every ``withLock(_:)`` (the only way to the value), the lock is free: called
    /// where nothing else can hold it, a held lock means a section never ended.
    func _checkInvariants() {
        precondition(!locked.load(ordering: .acquiring), "SpinLocked held outside withLock")
    }
}
