import ProtMemMemory
import Synchronization

/// Recent answers of a ``ReadGrantMap`` ("may the reader in this slot read every page of
/// `[lo, hi)`?"), each kept with the protections' generation it was given at, so the
/// invariant checker answers the question it asks on every read (an entitled master reading
/// the same few frames again and again) without a lock.
///
/// Direct-mapped entries of four words (a version, the two ends, the generation with the
/// answer in bit 0), each its own sequence lock, as the TZC-400's memo has them: a filler
/// makes the version odd by a compare-and-swap (or leaves the entry to whoever holds it),
/// writes, and makes it even again; a reader takes the words only between two reads of one
/// even version. An answer under another generation never answers, so a change of the
/// protections retires every answer at once. The words are an ``AtomicWordArray``.
struct GrantMemo: ~Copyable {
    private let words: AtomicWordArray
    private let slotCount: Int
    /// Entries per slot (a power of two).
    private static let entries = 32

    init(slots: Int) {
        slotCount = slots
        words = AtomicWordArray(count: 4 * Self.entries * slots)
    }

    /// The first word of the entry for a question: its range mixed by multiplication, since
    /// a range's two ends differ in few bits.
    @inline(__always)
    private func entry(_ slot: Int, _ lo: UInt64, _ hi: UInt64) -> Int {
        let mixed = (lo &* 0x9e37_79b9_7f4a_7c15) ^ (hi &* 0xc2b2_ae3d_27d4_eb4f)
        return 4 * (slot * Self.entries + Int(truncatingIfNeeded: mixed >> 59))
    }

    /// The answer kept for the question under `generation` (below 2^63), if any.
    @inline(__always)
    func answer(slot: Int, lo: UInt64, hi: UInt64, generation: UInt64) -> Bool? {
        precondition(slot < slotCount)
        let entry = entry(slot, lo, hi)
        let version = words.loadAcquiring(entry)
        guard version & 1 == 0, words.loadRelaxed(entry + 1) == lo, words.loadRelaxed(entry + 2) == hi else { return nil }
        let last = words.loadRelaxed(entry + 3)
        atomicMemoryFence(ordering: .acquiring)
        guard last >> 1 == generation, words.loadRelaxed(entry) == version else { return nil }
        return last & 1 != 0
    }

    /// Keeps `answer` for the question under `generation`, unless another thread is filling
    /// the entry.
    @inline(__always)
    func remember(_ answer: Bool, slot: Int, lo: UInt64, hi: UInt64, generation: UInt64) {
        precondition(slot < slotCount)
        let entry = entry(slot, lo, hi)
        let version = words.loadRelaxed(entry)
        guard version & 1 == 0, words.compareExchangeRelaxed(entry, expected: version, desired: version &+ 1).exchanged else { return }
        atomicMemoryFence(ordering: .releasing)
        words.storeRelaxed(lo, at: entry + 1)
        words.storeRelaxed(hi, at: entry + 2)
        words.storeRelaxed(generation << 1 | (answer ? 1 : 0), at: entry + 3)
        words.storeReleasing(version &+ 2, at: entry)
    }

    /// With no thread filling: every entry's version is even (no write left half done) and
    /// every kept generation fits below 2^63, as `remember` requires.
    func _checkInvariants() {
        precondition(slotCount > 0, "a grant memo with no slots")
        words._checkInvariants()
        for index in 0..<Self.entries * slotCount {
            precondition(words.loadAcquiring(4 * index) & 1 == 0, "grant memo entry \(index) left mid-write")
        }
    }
}
