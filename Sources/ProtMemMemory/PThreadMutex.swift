#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value behind a `pthread_mutex_t`, with `Synchronization.Mutex`'s interface
/// (`withLock`, `withLockIfAvailable`), for ThreadSanitizer builds.
///
/// Why it exists: `Mutex` on Linux takes a contended lock in `_lockSlow`, a raw
/// `FUTEX_LOCK_PI` inside the uninstrumented Synchronization library, so ThreadSanitizer never
/// sees that acquisition and reports every access the lock orders as a data race. It does
/// intercept `pthread_mutex_lock`/`unlock`. Built with `-DPROTMEM_TSAN_LOCKS`, every module
/// that uses `Mutex` resolves the name to this type instead (each such module has a
/// `Mutex+ThreadSanitizer.swift` with the `typealias`), so TSan sees every lock, and a race
/// it reports is one. Ordinary builds keep `Mutex` (inline in its owner, no allocation):
/// this type is compiled and tested there too, but used nowhere.
///
/// The mutex is `PTHREAD_MUTEX_ERRORCHECK`, so taking it twice on one thread traps with a
/// message (as `Mutex` does) instead of deadlocking.
///
/// Storage: the `pthread_mutex_t` must not move once initialised, so it lives in memory
/// of its own (an `UnsafeMutablePointer`, allocated in `init`, freed in `deinit`); the value
/// is a stored property touched only while the mutex is held, so the runtime's exclusivity
/// checks are left out of it (`@exclusivity(unchecked)`, as ``SpinLocked`` in ProtMemTime).
/// `_checkInvariants()` checks the mutex is initialised and free.
public final class PThreadMutex<Value: ~Copyable>: @unchecked Sendable {
    let mutex: UnsafeMutablePointer<pthread_mutex_t>
    @exclusivity(unchecked) var value: Value

    public init(_ initialValue: consuming sending Value) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_ERRORCHECK))
        let status = pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
        precondition(status == 0, "pthread_mutex_init failed with \(status)")
        value = initialValue
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the mutex; releases it however `body` ends.
    public func withLock<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result {
        let status = pthread_mutex_lock(mutex)
        precondition(status == 0, "pthread_mutex_lock failed with \(status) (EDEADLK: the lock is already held by this thread)")
        defer { unlock() }
        return try body(&value)
    }

    /// Runs `body` if the mutex is free now (`nil` if any thread, this one included, holds it).
    public func withLockIfAvailable<Result: ~Copyable, E: Error>(
        _ body: (inout sending Value) throws(E) -> sending Result
    ) throws(E) -> sending Result? {
        guard pthread_mutex_trylock(mutex) == 0 else { return nil }
        defer { unlock() }
        return try body(&value)
    }

    private func unlock() {
        let status = pthread_mutex_unlock(mutex)
        precondition(status == 0, "pthread_mutex_unlock failed with \(status)")
    }
}
