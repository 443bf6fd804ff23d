/// A property's value in dtc's source syntax, typed the way dtc guesses
/// when a blob carries no type information (`guess_value_type`).
extension DeviceTreeProperty {
    /// How dtc prints a value read from a blob.
    public enum SourceType: Sendable, Equatable {
        /// No value: `name;`.
        case empty
        /// `"…"`: NUL-terminated printable text with no more NULs than other bytes.
        case string
        /// `<0x…>`: otherwise, when the length is a multiple of 4.
        case cells
        /// `[..]`: anything else.
        case bytes
    }

    /// dtc's guess: a string when the value ends in NUL, every byte is
    /// printable ASCII, NUL or a C escape (`\a\b\t\n\v\f\r`), and NULs do not
    /// outnumber the other bytes; else cells when whole cells; else bytes.
    public var sourceType: SourceType {
        guard let last = value.last else { return .empty }
        let nuls = value.lazy.filter { $0 == 0 }.count
        if last == 0, value.allSatisfy(Self.isStringByte), nuls <= value.count - nuls {
            return .string
        }
        return value.count % 4 == 0 ? .cells : .bytes
    }

    /// The text after the name, through the `;`: ` = <0x01 0x02>;`.
    public var sourceValue: String {
        switch sourceType {
        case .empty:
            return ";"
        case .string:
            return " = \"" + value.dropLast().map(Self.escaped).joined() + "\";"
        case .cells:
            let cells = (try? cells()) ?? []
            return " = <" + cells.map { "0x" + Self.hex($0, width: 2) }.joined(separator: " ") + ">;"
        case .bytes:
            return " = [" + value.map { Self.hex($0, width: 2) }.joined(separator: " ") + "];"
        }
    }

    private static func isStringByte(_ byte: UInt8) -> Bool {
        (0x20...0x7e).contains(byte) || byte == 0 || (0x07...0x0d).contains(byte)
    }

    /// dtc's `write_propval_string` escapes.
    private static func escaped(_ byte: UInt8) -> String {
        switch byte {
        case 0x07: "\\a"
        case 0x08: "\\b"
        case 0x09: "\\t"
        case 0x0a: "\\n"
        case 0x0b: "\\v"
        case 0x0c: "\\f"
        case 0x0d: "\\r"
        case UInt8(ascii: "\\"): "\\\\"
        case UInt8(ascii: "\""): "\\\""
        case 0: "\\0"
        case 0x20...0x7e: String(UnicodeScalar(byte))
        default: "\\x" + hex(byte, width: 2)
        }
    }

    private static func hex(_ value: some BinaryInteger, width: Int) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
