/// How many of something a run should report: exactly a number (written as the number), or
/// a range (`{at_least: 1}`, `{at_most: 3}`, `{at_least: 1, at_most: 3}`).
public struct ExpectedCount: Codable, Hashable, Sendable, CustomStringConvertible {
    public var atLeast: UInt64
    /// No upper bound when `nil`.
    public var atMost: UInt64?

    public init(atLeast: UInt64, atMost: UInt64?) {
        self.atLeast = atLeast
        self.atMost = atMost
    }

    public static func exactly(_ count: UInt64) -> ExpectedCount { ExpectedCount(atLeast: count, atMost: count) }

    public func contains(_ count: UInt64) -> Bool { count >= atLeast && atMost.map { count <= $0 } != false }

    public var description: String {
        switch atMost {
        case atLeast?: "\(atLeast)"
        case nil: "at least \(atLeast)"
        case let most? where atLeast == 0: "at most \(most)"
        case let most?: "\(atLeast)…\(most)"
        }
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case atLeast = "at_least", atMost = "at_most"
    }

    /// The keys a range is written with, for a loader that refuses others.
    public static let fieldNames = CodingKeys.allCases.map(\.rawValue)

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let count = try? single.decode(UInt64.self) {
            self = .exactly(count)
            return
        }
        let failure = "expected a whole number, or a mapping with at_least and/or at_most (whole numbers)"
        guard let container = try? decoder.container(keyedBy: CodingKeys.self) else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: failure))
        }
        let least = try container.decodeIfPresent(UInt64.self, forKey: .atLeast)
        let most = try container.decodeIfPresent(UInt64.self, forKey: .atMost)
        guard least != nil || most != nil else {
            throw DecodingError.dataCorrupted(DecodingError.Context(codingPath: decoder.codingPath, debugDescription: failure))
        }
        self.init(atLeast: least ?? 0, atMost: most)
    }

    /// Always as a range, so a script reads one shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(atLeast, forKey: .atLeast)
        try container.encodeIfPresent(atMost, forKey: .atMost)
    }
}

extension RunReport {
    /// What the scenario expected of the run (its `expect:`, or the default: no violation,
    /// any number of faults) and whether the run met it. The exit status of `protmem
    /// simulate` follows it.
    public struct Expectation: Codable, Hashable, Sendable {
        /// Faults expected; `nil`: any number.
        public var faults: ExpectedCount?
        public var violations: ExpectedCount
        /// Whether the scenario said so (`expect:`), rather than this being the default.
        public var stated: Bool
        public var faultsMet: Bool
        public var violationsMet: Bool
        public var met: Bool

        public init(faults: ExpectedCount?, violations: ExpectedCount, stated: Bool, faultCount: UInt64, violationCount: UInt64) {
            self.faults = faults
            self.violations = violations
            self.stated = stated
            self.faultsMet = faults?.contains(faultCount) ?? true
            self.violationsMet = violations.contains(violationCount)
            self.met = faultsMet && violationsMet
        }

        /// One line for the text summary.
        func line(faultCount: UInt64, violationCount: UInt64) -> String {
            let what = "faults \(faults.map(\.description) ?? "any"), violations \(violations)"
            let source = stated ? "" : " (no expect: in the scenario)"
            guard !met else { return "expected\(source): \(what): met" }
            var got: [String] = []
            if !faultsMet { got.append(faultCount == 1 ? "1 fault" : "\(faultCount) faults") }
            if !violationsMet { got.append(violationCount == 1 ? "1 violation" : "\(violationCount) violations") }
            return "expected\(source): \(what): not met (\(got.joined(separator: ", ")))"
        }
    }
}
