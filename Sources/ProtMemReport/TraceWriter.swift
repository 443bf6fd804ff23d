/// Writes trace events as Chrome trace-event JSON, byte-for-byte the same for the same events:
/// keys in a fixed order, integers as integers, times as microseconds with exactly three
/// decimals (`ts` is nanoseconds / 1000), strings escaped as JSON requires.
public struct TraceWriter: Sendable {
    public init() {}

    public func json(_ events: [TraceEvent]) -> String {
        var out = "{\"traceEvents\":[\n"
        for (index, event) in events.enumerated() {
            out += encode(event)
            out += index == events.count - 1 ? "\n" : ",\n"
        }
        out += "],\"displayTimeUnit\":\"ns\"}\n"
        return out
    }

    func encode(_ event: TraceEvent) -> String {
        var fields = [
            "\"name\":" + Self.quote(event.name),
            "\"cat\":" + Self.quote(event.category),
            "\"ph\":\"" + event.phase.rawValue + "\"",
            "\"ts\":" + Self.microseconds(event.timestamp),
        ]
        if let duration = event.duration { fields.append("\"dur\":" + Self.microseconds(duration)) }
        fields.append("\"pid\":\(event.pid)")
        fields.append("\"tid\":\(event.tid)")
        if let id = event.id { fields.append("\"id\":\"0x" + String(id, radix: 16) + "\"") }
        if event.phase == .instant { fields.append("\"s\":\"t\"") }
        if event.phase == .flowEnd { fields.append("\"bp\":\"e\"") }
        let args = event.args.map { key, value in Self.quote(key) + ":" + Self.encode(value) }
        fields.append("\"args\":{" + args.joined(separator: ",") + "}")
        return "{" + fields.joined(separator: ",") + "}"
    }

    static func encode(_ value: TraceValue) -> String {
        switch value {
        case .int(let v): String(v)
        case .unsigned(let v): String(v)
        case .string(let s): quote(s)
        case .bool(let b): b ? "true" : "false"
        }
    }

    static func microseconds(_ nanoseconds: UInt64) -> String {
        let fraction = String(nanoseconds % 1000)
        return String(nanoseconds / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }

    static func quote(_ text: String) -> String { JSONString.quote(text) }
}
