/// Fixed-seed xorshift64 generator: fuzz runs must be reproducible, so a
/// failure seen once is seen on every run and every machine.
struct XorShiftRandom {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed == 0 ? 0x9e37_79b9_7f4a_7c15 : seed
    }

    mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    /// Uniform enough in `0..<bound` for fuzzing (bound > 0).
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    mutating func word() -> UInt32 {
        UInt32(truncatingIfNeeded: next() >> 16)
    }

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[below(choices.count)]
    }
}
