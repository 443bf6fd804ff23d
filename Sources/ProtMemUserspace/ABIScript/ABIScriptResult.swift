/// One output line of a run: `{"line": N, "op": "...", "ok": true, ...}` or
/// `{"line": N, "op": "...", "ok": false, "errno": "EINVAL"}`, with `", "` and `": "` between
/// members, exactly as `abi-script.md` shows them.
public struct ABIScriptResult: Equatable, Sendable {
    public enum Outcome: Equatable, Sendable {
        case ok
        /// `read`: the bytes, printed as lowercase hex.
        case bytes([UInt8])
        /// `fdinfo`: the `key: value` lines, in order, minus `pos`, `flags`, `mnt_id`, `ino`.
        case fields([(key: String, value: String)])
        case failed(errno: String)

        public static func == (a: Outcome, b: Outcome) -> Bool {
            switch (a, b) {
            case (.ok, .ok): true
            case (.bytes(let x), .bytes(let y)): x == y
            case (.fields(let x), .fields(let y)): x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && $0.value == $1.value }
            case (.failed(let x), .failed(let y)): x == y
            default: false
            }
        }
    }

    public let line: Int
    public let op: String
    public let outcome: Outcome

    public init(line: Int, op: String, outcome: Outcome) {
        self.line = line
        self.op = op
        self.outcome = outcome
    }

    public var json: String {
        var text = "{\"line\": \(line), \"op\": \(Self.quote(op)), "
        switch outcome {
        case .ok:
            text += "\"ok\": true"
        case .bytes(let bytes):
            text += "\"ok\": true, \"hex\": \"\(Self.hex(bytes))\""
        case .fields(let fields):
            text += "\"ok\": true, \"fields\": {"
            text += fields.map { "\(Self.quote($0.key)): \(Self.quote($0.value))" }.joined(separator: ", ")
            text += "}"
        case .failed(let errno):
            text += "\"ok\": false, \"errno\": \(Self.quote(errno))"
        }
        return text + "}"
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON string literal: quotes, backslashes and control characters escaped, the rest
    /// as UTF-8.
    static func quote(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{c}": out += "\\f"
            case "\u{0}"..."\u{1f}", "\u{7f}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
