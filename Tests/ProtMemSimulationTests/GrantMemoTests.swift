@testable import ProtMemSimulation
import Testing

/// The lock-free memo behind the checker's entitlement answers: it answers only what it was
/// told, under the generation it was told it, and never a torn answer while threads fill it.
@Suite struct GrantMemoTests {
    @Test func itAnswersWhatItWasToldUnderTheSameGenerationOnly() {
        let memo = GrantMemo(slots: 2)
        #expect(memo.answer(slot: 0, lo: 0x1000, hi: 0x2000, generation: 1) == nil)
        memo.remember(true, slot: 0, lo: 0x1000, hi: 0x2000, generation: 1)
        #expect(memo.answer(slot: 0, lo: 0x1000, hi: 0x2000, generation: 1) == true)
        #expect(memo.answer(slot: 0, lo: 0x1000, hi: 0x2000, generation: 2) == nil)
        #expect(memo.answer(slot: 1, lo: 0x1000, hi: 0x2000, generation: 1) == nil)
        #expect(memo.answer(slot: 0, lo: 0x1000, hi: 0x3000, generation: 1) == nil)
        memo.remember(false, slot: 0, lo: 0x1000, hi: 0x2000, generation: 2)
        #expect(memo.answer(slot: 0, lo: 0x1000, hi: 0x2000, generation: 2) == false)
        memo._checkInvariants()
    }

    /// The memo is built for sharing between threads (its words are atomics); the box only
    /// lets the test hand it to several.
    final class Shared: Sendable {
        let memo = GrantMemo(slots: 1)
    }

    @Test func concurrentFillersNeverTearAnAnswer() async {
        let shared = Shared()
        // The answer is a function of the question, so any answer given can be checked.
        @Sendable func truth(_ lo: UInt64, _ generation: UInt64) -> Bool { (lo >> 12 ^ generation) & 1 == 1 }
        let wrong = await withTaskGroup(of: Int.self) { group in
            for worker in 0..<4 {
                group.addTask {
                    var wrong = 0
                    for step in 0..<20_000 {
                        let lo = UInt64((step * 7 + worker) % 64) << 12, generation = UInt64(step % 3)
                        if let answer = shared.memo.answer(slot: 0, lo: lo, hi: lo + 0x1000, generation: generation), answer != truth(lo, generation) { wrong += 1 }
                        shared.memo.remember(truth(lo, generation), slot: 0, lo: lo, hi: lo + 0x1000, generation: generation)
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
        shared.memo._checkInvariants()
    }
}
