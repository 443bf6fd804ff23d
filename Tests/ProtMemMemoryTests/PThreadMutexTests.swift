import Dispatch
import ProtMemMemory
import Testing

/// ``PThreadMutex`` is what `Mutex` means in ThreadSanitizer builds, so it must behave as
/// `Mutex` does: the value round-trips, errors leave the lock free, `withLockIfAvailable`
/// refuses while the lock is held, and contended increments from many threads all count.
@Suite struct PThreadMutexTests {
    struct Refusal: Error {}

    @Test func valueRoundTripsAndTheLockIsFreeAfterEachUse() {
        let mutex = PThreadMutex([1, 2])
        mutex._checkInvariants()
        mutex.withLock { $0.append(3) }
        #expect(mutex.withLock { $0 } == [1, 2, 3])
        mutex._checkInvariants()
    }

    @Test func aThrowingBodyReleasesTheLock() {
        let mutex = PThreadMutex(0)
        #expect(throws: Refusal.self) {
            try mutex.withLock { (value: inout Int) throws(Refusal) in
                value = 7
                throw Refusal()
            }
        }
        mutex._checkInvariants()
        #expect(mutex.withLock { $0 } == 7)
    }

    @Test func withLockIfAvailableRefusesWhileHeld() {
        let mutex = PThreadMutex("free")
        let inner = mutex.withLock { _ in mutex.withLockIfAvailable { $0 } }
        #expect(inner == nil, "the holder itself cannot take it again")
        #expect(mutex.withLockIfAvailable { $0 } == "free")
        mutex._checkInvariants()
    }

    @Test func contendedIncrementsAllCount() {
        let mutex = PThreadMutex(0)
        let threads = 4, increments = 20_000
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<increments { mutex.withLock { $0 += 1 } }
        }
        #expect(mutex.withLock { $0 } == threads * increments)
        mutex._checkInvariants()
    }

    /// A non-copyable value, as `Mutex` allows.
    @Test func holdsANonCopyableValue() {
        struct Token: ~Copyable { var uses = 0 }
        let mutex = PThreadMutex(Token())
        mutex.withLock { $0.uses += 1 }
        #expect(mutex.withLock { $0.uses } == 1)
    }
}
