/// The seeds of a sweep, as `--seeds` gives them: `N` (the scenario's seed and the N − 1
/// after it) or `A...B` (every seed from A to B, both included).
public struct SeedList: Hashable, Sendable {
    public let seeds: [UInt64]

    /// The most seeds one sweep takes: a larger one belongs spread over a batch engine, one
    /// `--seed` a job (README).
    public static let limit = 100_000

    /// Parses `text` against the scenario's seed `base`; the error names the value and what
    /// was expected.
    public init(parsing text: String, base: UInt64) throws(SimulationError) {
        func number(_ part: Substring) -> UInt64? {
            part.hasPrefix("0x") ? UInt64(part.dropFirst(2), radix: 16) : UInt64(part, radix: 10)
        }
        let expected = "expected a count N (1…\(Self.limit)) or a range A...B of seeds 0…2^64-1"
        if let range = text.range(of: "...") {
            guard let low = number(text[..<range.lowerBound]), let high = number(text[range.upperBound...]) else {
                throw SimulationError("--seeds \"\(text)\": \(expected)")
            }
            guard low <= high else { throw SimulationError("--seeds \"\(text)\": the range is empty (\(low) > \(high))") }
            guard high - low < UInt64(Self.limit) else { throw SimulationError("--seeds \"\(text)\": more than \(Self.limit) seeds") }
            seeds = Array(low...high)
        } else {
            guard let count = number(Substring(text)), count >= 1, count <= UInt64(Self.limit) else {
                throw SimulationError("--seeds \"\(text)\": \(expected)")
            }
            guard UInt64.max - base >= count - 1 else { throw SimulationError("--seeds \"\(text)\": seed \(base) + \(count - 1) is past 2^64-1") }
            seeds = (0..<count).map { base + $0 }
        }
    }
}
