import ProtMemMemory
import Testing

/// The one block of atomic words the lock-free tables share: every word starts at zero, each
/// operation reaches the word it names and no other, and threads may use the words at once.
@Suite struct AtomicWordArrayTests {
    @Test func wordsStartAtZeroAndEachOperationReachesItsWordOnly() {
        let words = AtomicWordArray(count: 9)
        #expect(words.count == 9)
        #expect((0..<9).allSatisfy { words.loadRelaxed($0) == 0 })
        words.storeReleasing(7, at: 3)
        #expect(words.loadAcquiring(3) == 7)
        #expect((0..<9).filter { words.loadRelaxed($0) != 0 } == [3])
        let missed = words.compareExchangeRelaxed(3, expected: 6, desired: 1)
        #expect(!missed.exchanged && missed.original == 7 && words.loadRelaxed(3) == 7)
        let hit = words.compareExchangeRelaxed(3, expected: 7, desired: 8)
        #expect(hit.exchanged && hit.original == 7 && words.loadRelaxed(3) == 8)
        words.storeRelaxed(.max, at: 8)
        words.storeRelaxed(1, at: 0)
        #expect((0..<9).map { words.loadAcquiring($0) } == [1, 0, 0, 8, 0, 0, 0, 0, .max])
        words._checkInvariants()
    }

    /// Threads counting into words of one array by compare-and-swap lose no count.
    @Test func concurrentUpdatesLoseNothing() async {
        final class Shared: Sendable { let words = AtomicWordArray(count: 4) }
        let shared = Shared()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    for step in 0..<10_000 {
                        let index = step % 4
                        while true {
                            let now = shared.words.loadRelaxed(index)
                            if shared.words.compareExchangeRelaxed(index, expected: now, desired: now + 1).exchanged { break }
                        }
                    }
                }
            }
        }
        #expect((0..<4).map { shared.words.loadAcquiring($0) } == [10_000, 10_000, 10_000, 10_000])
        shared.words._checkInvariants()
    }
}
