import ProtMemReport
import Testing

/// The writer's bytes are the trace-event JSON a plain string-per-field encoding gives, for
/// every phase and value kind and for names that need escaping.
@Suite struct TraceWriterTests {
    /// The format written out the obvious way, independently of the writer.
    static func reference(_ events: [TraceEvent]) -> String {
        func quote(_ text: String) -> String {
            var out = "\""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20:
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        }
        func microseconds(_ ns: UInt64) -> String {
            let fraction = String(ns % 1000)
            return String(ns / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction
        }
        func value(_ value: TraceValue) -> String {
            switch value {
            case .int(let v): String(v)
            case .unsigned(let v): String(v)
            case .string(let s): quote(s)
            case .bool(let b): b ? "true" : "false"
            }
        }
        let lines = events.map { event in
            var fields = ["\"name\":" + quote(event.name), "\"cat\":" + quote(event.category), "\"ph\":\"" + event.phase.rawValue + "\"",
                          "\"ts\":" + microseconds(event.timestamp)]
            if let duration = event.duration { fields.append("\"dur\":" + microseconds(duration)) }
            fields += ["\"pid\":\(event.pid)", "\"tid\":\(event.tid)"]
            if let id = event.id { fields.append("\"id\":\"0x" + String(id, radix: 16) + "\"") }
            if event.phase == .instant { fields.append("\"s\":\"t\"") }
            if event.phase == .flowEnd { fields.append("\"bp\":\"e\"") }
            fields.append("\"args\":{" + event.args.map { quote($0.0) + ":" + value($0.1) }.joined(separator: ",") + "}")
            return "{" + fields.joined(separator: ",") + "}"
        }
        return "{\"traceEvents\":[\n" + lines.joined(separator: ",\n") + (lines.isEmpty ? "" : "\n") + "],\"displayTimeUnit\":\"ns\"}\n"
    }

    static let events: [TraceEvent] = [
        .processName("codec", pid: 1),
        .threadName("décodeur ✓", pid: 1, tid: 2),
        TraceEvent(name: "decode 12", category: "codec", phase: .complete, timestamp: 0, duration: 999, pid: 1, tid: 2),
        TraceEvent(name: "buffer", category: "dma-buf", phase: .asyncBegin, timestamp: 1_000, pid: 3, id: 0xabc,
                   args: [("heap", .string("protected,secure-video")), ("size", .unsigned(.max)), ("delta", .int(-42)), ("ok", .bool(true)), ("no", .bool(false))]),
        TraceEvent(name: "ctl \u{1}\u{1f}\u{7f} \"q\" \\ \r\t\n", category: "fault", phase: .instant, timestamp: 1_001, pid: 0),
        TraceEvent(name: "fd", category: "fd-passing", phase: .flowStart, timestamp: 18_446_744_073_709_551_615, pid: 2, id: 0),
        TraceEvent(name: "fd", category: "fd-passing", phase: .flowEnd, timestamp: 20_000_010, pid: -1, tid: -7, id: 1),
        TraceEvent(name: "", category: "", phase: .counter, timestamp: 5, pid: 0, args: [("", .string(""))]),
        TraceEvent(name: "step", category: "x", phase: .flowStep, timestamp: 100_100, pid: 4),
        TraceEvent(name: "end", category: "dma-buf", phase: .asyncEnd, timestamp: 7, pid: 3, id: 0xabc),
    ]

    @Test func bytesAreTheReferenceEncoding() {
        #expect(TraceWriter().json(Self.events) == Self.reference(Self.events))
        #expect(TraceWriter().json([]) == Self.reference([]))
        #expect(TraceWriter().json([Self.events[2]]) == Self.reference([Self.events[2]]))
    }

    @Test func quotedStringsEscapeWhatJSONRequires() {
        #expect(JSONString.quote("a\"b\\c\nd\u{0}é") == "\"a\\\"b\\\\c\\nd\\u0000é\"")
        var bytes: [UInt8] = [UInt8(ascii: "x")]
        JSONString.appendQuoted("\u{1b}[0m", to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "x\"\\u001b[0m\"")
    }
}
