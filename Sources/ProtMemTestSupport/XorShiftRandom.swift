/// A fixed-seed xorshift64 generator (shifts 13, 7, 17) for the fuzz tests: a failure seen once
/// is seen on every run and every machine. The firmware fuzz suite expects coverage (how many
/// parser rules, parsed and refused images the mutations reach) that this exact sequence
/// meets, which is why it is kept beside the board's `SplitMix64` rather than replaced by it.
public struct XorShiftRandom: RandomNumberGenerator, Sendable, Hashable {
    private var state: UInt64

    /// A zero seed (which xorshift would never leave) becomes a fixed non-zero one.
    public init(seed: UInt64) {
        state = seed == 0 ? 0x9e37_79b9_7f4a_7c15 : seed
    }

    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }

    /// Uniform enough in `0..<bound` for fuzzing (bound > 0).
    public mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    public mutating func word() -> UInt32 {
        UInt32(truncatingIfNeeded: next() >> 16)
    }

    public mutating func pick<T>(_ choices: [T]) -> T {
        choices[below(choices.count)]
    }
}
