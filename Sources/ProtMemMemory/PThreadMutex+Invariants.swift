#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension PThreadMutex where Value: ~Copyable {
    /// Checks that the mutex is initialised and held by no thread. Call it where nothing can
    /// hold the lock (a test between operations): a lock left held after `withLock` returned,
    /// or freed storage, fails here.
    public func _checkInvariants() {
        let status = pthread_mutex_trylock(mutex)
        precondition(status == 0, "PThreadMutex is held (trylock answered \(status))")
        let unlocked = pthread_mutex_unlock(mutex)
        precondition(unlocked == 0, "PThreadMutex unlock after trylock answered \(unlocked)")
    }
}
