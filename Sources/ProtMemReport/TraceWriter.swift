/// Writes trace events as Chrome trace-event JSON, byte-for-byte the same for the same events:
/// keys in a fixed order, integers as integers, times as microseconds with exactly three
/// decimals (`ts` is nanoseconds / 1000), strings escaped as JSON requires.
///
/// A trace holds several events per simulated frame, so the text is built as one run of
/// UTF-8 bytes, each field appended in place, rather than from a string per field joined.
public struct TraceWriter: Sendable {
    public init() {}

    public func json(_ events: [TraceEvent]) -> String {
        var out: [UInt8] = []
        // About what one event takes: enough that the buffer rarely grows.
        out.reserveCapacity(64 + events.count * 160)
        out.append(contentsOf: "{\"traceEvents\":[\n".utf8)
        for (index, event) in events.enumerated() {
            Self.append(event, to: &out)
            out.append(contentsOf: (index == events.count - 1 ? "\n" : ",\n").utf8)
        }
        out.append(contentsOf: "],\"displayTimeUnit\":\"ns\"}\n".utf8)
        return String(decoding: out, as: UTF8.self)
    }

    static func append(_ event: TraceEvent, to out: inout [UInt8]) {
        out.append(contentsOf: "{\"name\":".utf8)
        JSONString.appendQuoted(event.name, to: &out)
        out.append(contentsOf: ",\"cat\":".utf8)
        JSONString.appendQuoted(event.category, to: &out)
        out.append(contentsOf: ",\"ph\":\"".utf8)
        out.append(contentsOf: event.phase.rawValue.utf8)
        out.append(contentsOf: "\",\"ts\":".utf8)
        appendMicroseconds(event.timestamp, to: &out)
        if let duration = event.duration {
            out.append(contentsOf: ",\"dur\":".utf8)
            appendMicroseconds(duration, to: &out)
        }
        out.append(contentsOf: ",\"pid\":".utf8)
        out.append(contentsOf: String(event.pid).utf8)
        out.append(contentsOf: ",\"tid\":".utf8)
        out.append(contentsOf: String(event.tid).utf8)
        if let id = event.id {
            out.append(contentsOf: ",\"id\":\"0x".utf8)
            out.append(contentsOf: String(id, radix: 16).utf8)
            out.append(UInt8(ascii: "\""))
        }
        if event.phase == .instant { out.append(contentsOf: ",\"s\":\"t\"".utf8) }
        if event.phase == .flowEnd { out.append(contentsOf: ",\"bp\":\"e\"".utf8) }
        out.append(contentsOf: ",\"args\":{".utf8)
        for (index, (key, value)) in event.args.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            JSONString.appendQuoted(key, to: &out)
            out.append(UInt8(ascii: ":"))
            append(value, to: &out)
        }
        out.append(contentsOf: "}}".utf8)
    }

    static func append(_ value: TraceValue, to out: inout [UInt8]) {
        switch value {
        case .int(let v): out.append(contentsOf: String(v).utf8)
        case .unsigned(let v): out.append(contentsOf: String(v).utf8)
        case .string(let s): JSONString.appendQuoted(s, to: &out)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        }
    }

    /// `nanoseconds / 1000`, a point, and the remainder as exactly three digits.
    static func appendMicroseconds(_ nanoseconds: UInt64, to out: inout [UInt8]) {
        out.append(contentsOf: String(nanoseconds / 1000).utf8)
        let fraction = nanoseconds % 1000
        out.append(UInt8(ascii: "."))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 100))
        out.append(UInt8(ascii: "0") + UInt8(fraction / 10 % 10))
        out.append(UInt8(ascii: "0") + UInt8(fraction % 10))
    }
}
