import ArgumentParser

/// `--seed N`: a 64-bit unsigned seed, in decimal or `0x` hex. Parsed unconditionally, so
/// that `--seed -1` reaches this check (and is told the range) instead of ArgumentParser
/// taking `-1` for an option and answering "Missing value for '--seed'".
enum SeedArgument {
    static let range = "must be a whole number 0…18446744073709551615 (2^64-1), in decimal or 0x hex"

    static func parse(_ text: String) throws -> UInt64 {
        let value: UInt64?
        if text.hasPrefix("0x") || text.hasPrefix("0X") {
            value = UInt64(text.dropFirst(2), radix: 16)
        } else {
            value = text.first?.isASCII == true && text.first!.isNumber ? UInt64(text, radix: 10) : nil
        }
        guard let value else {
            if text.hasPrefix("--") || text.isEmpty { throw ValidationError("--seed needs a value: \(range)") }
            if text.hasPrefix("-") { throw ValidationError("a seed is unsigned: \(range)") }
            throw ValidationError(range)
        }
        return value
    }
}
