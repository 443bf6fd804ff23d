import Foundation

/// What is wrong with a trace, if anything: a check of the trace-event format that the
/// simulation's own tests (and users' CI) can run over a written file.
public struct TraceValidation: Sendable {
    public private(set) var problems: [String] = []

    /// Parses `json` and checks: the top-level shape, the fields every event needs, that every
    /// async begin has its end (same category, name and id, in time order) and no end comes
    /// without a begin, that complete slices have a duration, and that counters never go
    /// negative.
    public init(json: String) {
        guard let data = json.data(using: .utf8),
              let top = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let events = top["traceEvents"] as? [[String: Any]] else {
            problems.append("not a JSON object with a traceEvents array")
            return
        }
        if top["displayTimeUnit"] as? String != "ns" { problems.append("displayTimeUnit is not \"ns\"") }
        var open: [String: Double] = [:]
        for (index, event) in events.enumerated() {
            guard let name = event["name"] as? String, let phase = event["ph"] as? String,
                  let ts = (event["ts"] as? NSNumber)?.doubleValue, event["pid"] is NSNumber, event["tid"] is NSNumber,
                  event["cat"] is String else {
                problems.append("event \(index): missing name, cat, ph, ts, pid or tid")
                continue
            }
            let category = event["cat"] as! String
            switch phase {
            case "X":
                if (event["dur"] as? NSNumber) == nil { problems.append("event \(index) (\(name)): complete slice without dur") }
            case "b", "e":
                guard let id = event["id"] as? String else {
                    problems.append("event \(index) (\(name)): async event without id")
                    continue
                }
                let key = category + "\u{0}" + name + "\u{0}" + id
                if phase == "b" {
                    if open[key] != nil { problems.append("event \(index) (\(name)): second begin for id \(id)") }
                    open[key] = ts
                } else if let began = open.removeValue(forKey: key) {
                    if ts < began { problems.append("event \(index) (\(name)): ends before it begins") }
                } else {
                    problems.append("event \(index) (\(name)): end without begin for id \(id)")
                }
            case "C":
                for (series, value) in (event["args"] as? [String: Any]) ?? [:] {
                    if let number = (value as? NSNumber)?.doubleValue, number < 0 {
                        problems.append("event \(index) (\(name)): counter \(series) is negative (\(number))")
                    }
                }
            case "i", "M", "s", "t", "f":
                break
            default:
                problems.append("event \(index) (\(name)): unknown phase \(phase)")
            }
        }
        for key in open.keys.sorted() {
            problems.append("async slice \(key.replacingOccurrences(of: "\u{0}", with: "/")) never ends")
        }
    }

    public var isValid: Bool { problems.isEmpty }
}
