import Synchronization

/// A fixed number of `Atomic<UInt64>` words in one block of memory of their own: the storage
/// of the lock-free tables that are read on every bus transaction (the TZC-400's published
/// address map and answer memo, the invariant checker's grant memo), each a sequence lock
/// over plain words.
///
/// Why it must be unsafe: an `Atomic` works only at a stable address and cannot be copied, so
/// an array of them cannot be a Swift `Array`; the words live in memory this type allocates
/// (`UnsafeMutablePointer<Atomic<UInt64>>`), initialises in `init`, and deinitialises and
/// frees in `deinit`. Nothing else reaches that memory: every access goes through a method
/// here that checks its index with `precondition` (in release builds too), so no index can
/// reach outside the block.
///
/// Invariants (``_checkInvariants()``): the count is positive and fixed for the array's life,
/// and every word from 0 to `count - 1` is initialised (readable).
///
/// Thread-safety: the words are atomics; the pointer and the count never change after `init`.
public struct AtomicWordArray: ~Copyable, @unchecked Sendable {
    @usableFromInline let words: UnsafeMutablePointer<Atomic<UInt64>>
    /// How many words there are.
    public let count: Int

    /// `count` words, each 0.
    public init(count: Int) {
        precondition(count > 0, "an atomic word array needs at least one word")
        self.count = count
        words = .allocate(capacity: count)
        for index in 0..<count { (words + index).initialize(to: Atomic(0)) }
    }

    deinit {
        words.deinitialize(count: count)
        words.deallocate()
    }

    /// `index`, once checked to name a word of the array.
    @inlinable @inline(__always)
    func checked(_ index: Int) -> Int {
        precondition(UInt(bitPattern: index) < UInt(bitPattern: count), "atomic word index out of range")
        return index
    }

    // One method per ordering: an atomic operation's ordering must be a constant where it
    // is spelled, so it cannot be passed through as an argument.

    /// Loads the word at `index`, relaxed.
    @inlinable @inline(__always)
    public func loadRelaxed(_ index: Int) -> UInt64 {
        words[checked(index)].load(ordering: .relaxed)
    }

    /// Loads the word at `index`, acquiring.
    @inlinable @inline(__always)
    public func loadAcquiring(_ index: Int) -> UInt64 {
        words[checked(index)].load(ordering: .acquiring)
    }

    /// Stores `value` into the word at `index`, relaxed.
    @inlinable @inline(__always)
    public func storeRelaxed(_ value: UInt64, at index: Int) {
        words[checked(index)].store(value, ordering: .relaxed)
    }

    /// Stores `value` into the word at `index`, releasing.
    @inlinable @inline(__always)
    public func storeReleasing(_ value: UInt64, at index: Int) {
        words[checked(index)].store(value, ordering: .releasing)
    }

    /// Sets the bits of `mask` in the word at `index`, relaxed.
    @inlinable @inline(__always)
    public func setBitsRelaxed(_ mask: UInt64, at index: Int) {
        words[checked(index)].bitwiseOr(mask, ordering: .relaxed)
    }

    /// Clears the bits of `mask` in the word at `index`, relaxed.
    @inlinable @inline(__always)
    public func clearBitsRelaxed(_ mask: UInt64, at index: Int) {
        words[checked(index)].bitwiseAnd(~mask, ordering: .relaxed)
    }

    /// Replaces the word at `index` with `desired` if it holds `expected`, relaxed.
    @inlinable @inline(__always)
    public func compareExchangeRelaxed(_ index: Int, expected: UInt64, desired: UInt64) -> (exchanged: Bool, original: UInt64) {
        words[checked(index)].compareExchange(expected: expected, desired: desired, ordering: .relaxed)
    }

    /// Checks the count and touches every word through the checked accessor (each must be
    /// initialised: a block freed under the array fails here, under AddressSanitizer at once).
    public func _checkInvariants() {
        precondition(count > 0, "an atomic word array with no words")
        for index in 0..<count { _ = loadRelaxed(index) }
    }
}
