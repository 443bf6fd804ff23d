import Foundation
import ProtMemReport
import Yams

extension Scenario {
    /// Reads and checks a scenario file. Every error names the file, the line and the field.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let bytes: [UInt8]
        do {
            bytes = try HostFile.read(path)
        } catch {
            throw ScenarioError(file: path, line: nil, column: nil, field: "", message: "cannot read: \(error.reason)")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ScenarioError(file: path, line: nil, column: nil, field: "", message: "not UTF-8 text")
        }
        return try parse(text, file: path)
    }

    /// Parses scenario YAML; `file` is only used in error messages.
    public static func parse(_ text: String, file: String = "<scenario>") throws(ScenarioError) -> Scenario {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw ScenarioError(file: file, line: nil, column: nil, field: "", message: "the file is empty")
            }
            root = node
        } catch let error as ScenarioError {
            throw error
        } catch let error as YamlError {
            throw Self.syntaxError(error, file: file)
        } catch {
            throw ScenarioError(file: file, line: nil, column: nil, field: "", message: "\(error)")
        }
        try checkKeys(root, file: file)
        do {
            let scenario = try YAMLDecoder().decode(Scenario.self, from: root)
            try scenario.validate(root: root, file: file)
            return scenario
        } catch let error as ScenarioError {
            throw error
        } catch let error as DecodingError {
            throw Self.decodingError(error, root: root, file: file)
        } catch {
            throw ScenarioError(file: file, line: nil, column: nil, field: "", message: "\(error)")
        }
    }

    /// An error about field `path` of the scenario in `file`, at the field's line and column
    /// (without them when the file no longer parses or has no such field): for what is found
    /// wrong only when the scenario meets its board, such as a heap the board does not have.
    public static func locate(_ path: [String], inFile file: String, message: String) -> ScenarioError {
        var found: Node?
        if let bytes = try? HostFile.read(file), let text = String(validating: bytes, as: UTF8.self), let root = try? Yams.compose(yaml: text) {
            found = node(at: path, in: root)
        }
        return ScenarioError(file: file, line: found?.mark.map { $0.line }, column: found?.mark.map { $0.column }, field: fieldName(path), message: message)
    }

    // MARK: Checks Codable does not make

    /// Unknown keys are errors, not silently ignored: a misspelt `frame_rat` must not run a
    /// scenario at some default rate.
    static func checkKeys(_ root: Node, file: String) throws(ScenarioError) {
        guard let mapping = root.mapping else {
            throw ScenarioError(file: file, line: root.mark.map { $0.line }, column: root.mark.map { $0.column }, field: "", message: "expected a mapping at the top level")
        }
        try checkMapping(mapping, allowed: Set(CodingKeys.allCases.map(\.rawValue)), path: "", file: file)
        if let board = mapping["board"]?.mapping {
            try checkMapping(board, allowed: Set(BoardChoice.CodingKeys.allCases.map(\.rawValue)), path: "board", file: file)
        }
        if let expect = mapping["expect"]?.mapping {
            try checkMapping(expect, allowed: Set(Expectation.CodingKeys.allCases.map(\.rawValue)), path: "expect", file: file)
            for (key, value) in expect {
                guard let count = value.mapping, let name = key.string else { continue }
                try checkMapping(count, allowed: Set(ExpectedCount.fieldNames), path: "expect.\(name)", file: file)
            }
        }
        for (index, fault) in (mapping["inject"]?.sequence ?? []).enumerated() {
            guard let fields = fault.mapping else { continue }
            try checkMapping(fields, allowed: Set(InjectedFault.CodingKeys.allCases.map(\.rawValue)), path: "inject[\(index)]", file: file)
        }
        for (index, workload) in (mapping["workloads"]?.sequence ?? []).enumerated() {
            guard let fields = workload.mapping, let kind = fields["kind"]?.string, let allowed = Workload.allowedKeys(for: kind) else { continue }
            try checkMapping(fields, allowed: allowed, path: "workloads[\(index)]", file: file)
            for (groupIndex, group) in (fields["groups"]?.sequence ?? []).enumerated() {
                guard let groupFields = group.mapping else { continue }
                try checkMapping(groupFields, allowed: Set(Workload.MixedGPU.Group.CodingKeys.allCases.map(\.rawValue)),
                                 path: "workloads[\(index)].groups[\(groupIndex)]", file: file)
            }
        }
    }

    static func checkMapping(_ mapping: Node.Mapping, allowed: Set<String>, path: String, file: String) throws(ScenarioError) {
        for (key, _) in mapping {
            guard let name = key.string, allowed.contains(name) else {
                let field = path.isEmpty ? (key.string ?? "?") : path + "." + (key.string ?? "?")
                throw ScenarioError(file: file, line: key.mark.map { $0.line }, column: key.mark.map { $0.column }, field: field,
                                    message: "unknown field; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    /// Value checks: positive rates and counts, a priority within the CSG range, a duration;
    /// and the ``ScenarioLimits`` on sizes, each named with the limit it breaks.
    func validate(root: Node, file: String) throws(ScenarioError) {
        func fail(_ path: [String], _ message: String) throws(ScenarioError) {
            let node = Self.node(at: path, in: root)
            throw ScenarioError(file: file, line: node?.mark.map { $0.line }, column: node?.mark.map { $0.column },
                                field: Self.fieldName(path), message: message)
        }
        let ktimeMax = "must be at most \(ScenarioLimits.maximumNanoseconds)ns (KTIME_MAX: the kernel's ktime_t holds about 292 years)"
        if duration.nanoseconds == 0 { try fail(["duration"], "must be longer than zero") }
        if duration.nanoseconds > ScenarioLimits.maximumNanoseconds { try fail(["duration"], ktimeMax) }
        if workloads.isEmpty { try fail(["workloads"], "needs at least one workload") }
        for (name, count) in [("faults", expect?.faults), ("violations", expect?.violations)] {
            if let count, let most = count.atMost, most < count.atLeast {
                try fail(["expect", name], "at_least \(count.atLeast) is more than at_most \(most)")
            }
        }
        if injectedFaults.count > ScenarioLimits.maximumInjectedFaults {
            try fail(["inject"], "has \(injectedFaults.count) faults; at most \(ScenarioLimits.maximumInjectedFaults)")
        }
        for (index, fault) in injectedFaults.enumerated() {
            let base = ["inject", String(index)]
            if fault.at.nanoseconds >= duration.nanoseconds { try fail(base + ["at"], "\(fault.at) is not before the scenario's end (\(duration))") }
            if fault.kind.hasDuration {
                guard let lasting = fault.duration else { try fail(base, "\(fault.kind) needs for: (how long it lasts)"); continue }
                if lasting.nanoseconds == 0 { try fail(base + ["for"], "must be longer than zero") }
                if lasting.nanoseconds > ScenarioLimits.maximumNanoseconds { try fail(base + ["for"], ktimeMax) }
            } else if fault.duration != nil {
                try fail(base + ["for"], "\(fault.kind) is an instant: it takes no for:")
            }
            if fault.heap != nil, fault.kind != .heapExhaustion { try fail(base + ["heap"], "only heap-exhaustion names a heap") }
        }
        var processes = 0, jobs = 0
        for (index, workload) in workloads.enumerated() {
            let base = ["workloads", String(index)]
            switch workload {
            case .securePlayback(let stream), .secureRecord(let stream):
                if stream.frameRate == 0 || stream.frameRate > 1000 { try fail(base + ["frame_rate"], "must be 1…1000 frames a second") }
                if stream.buffers == 0 || stream.buffers > 64 { try fail(base + ["buffers"], "must be 1…64") }
            case .trustedUI(let ui):
                if ui.frameRate == 0 || ui.frameRate > 1000 { try fail(base + ["frame_rate"], "must be 1…1000 frames a second") }
            case .mixedGPU(let gpu):
                if gpu.groups.isEmpty { try fail(base + ["groups"], "needs at least one group") }
                if gpu.groups.count > ScenarioLimits.maximumGroups {
                    try fail(base + ["groups"], "has \(gpu.groups.count) groups; panthor lets one file create at most \(ScenarioLimits.maximumGroups) (MAX_GROUPS_PER_POOL)")
                }
                for (g, group) in gpu.groups.enumerated() {
                    let path = base + ["groups", String(g)]
                    if group.priority > 0xF { try fail(path + ["priority"], "must be 0…15 (CSG priorities)") }
                    if group.jobDuration.nanoseconds > ScenarioLimits.maximumNanoseconds { try fail(path + ["job_duration"], ktimeMax) }
                    jobs += Int(group.jobs)
                    if jobs > ScenarioLimits.maximumJobs {
                        try fail(path + ["jobs"], "brings the scenario's GPU jobs to \(jobs), more than the \(ScenarioLimits.maximumJobs) the model queues (it keeps every job on its ring until it finishes)")
                    }
                }
            case .renderNodeClient(let client):
                if client.frameRate == 0 || client.frameRate > 1000 { try fail(base + ["frame_rate"], "must be 1…1000 frames a second") }
                processes += 1
            case .churn(let churn):
                if churn.processes == 0 { try fail(base + ["processes"], "must be at least 1") }
                processes += Int(churn.processes)
                if processes > ScenarioLimits.maximumProcesses {
                    let total = processes == Int(churn.processes) ? "" : " (the scenario's processes come to \(processes))"
                    try fail(base + ["processes"], "must be at most \(ScenarioLimits.maximumProcesses) in all\(total): pids run below pid_max, \(ScenarioLimits.pidMax) by default (PID_MAX_DEFAULT)")
                }
                if churn.maximumSize.bytes == 0 { try fail(base + ["max_size"], "must be larger than zero") }
            }
        }
    }

    // MARK: Error mapping

    static func syntaxError(_ error: YamlError, file: String) -> ScenarioError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _):
            return ScenarioError(file: file, line: mark.line, column: mark.column, field: "", message: "YAML syntax: \(problem)")
        default:
            return ScenarioError(file: file, line: nil, column: nil, field: "", message: "YAML: \(error)")
        }
    }

    static func decodingError(_ error: DecodingError, root: Node, file: String) -> ScenarioError {
        let (path, message): ([CodingKey], String)
        switch error {
        case .keyNotFound(let key, let context):
            (path, message) = (context.codingPath + [key], "is required but missing")
        case .typeMismatch(let type, let context):
            (path, message) = (context.codingPath, "expected \(Self.typeName(type))")
        case .valueNotFound(let type, let context):
            (path, message) = (context.codingPath, "expected \(Self.typeName(type)), found nothing")
        case .dataCorrupted(let context):
            (path, message) = (context.codingPath, context.debugDescription)
        @unknown default:
            (path, message) = ([], "\(error)")
        }
        let components = path.map { $0.intValue.map(String.init) ?? $0.stringValue }
        // A missing key is reported where its mapping is.
        var node = Self.node(at: components, in: root)
        var probe = components
        while node == nil, !probe.isEmpty {
            probe.removeLast()
            node = Self.node(at: probe, in: root)
        }
        return ScenarioError(file: file, line: node?.mark.map { $0.line }, column: node?.mark.map { $0.column },
                             field: fieldName(components), message: message)
    }

    static func node(at path: [String], in root: Node) -> Node? {
        var current: Node? = root
        for component in path {
            if let index = Int(component), let sequence = current?.sequence {
                current = index < sequence.count ? sequence[index] : nil
            } else {
                current = current?.mapping?[component]
            }
        }
        return current
    }

    static func fieldName(_ path: [String]) -> String {
        var out = ""
        for component in path {
            if Int(component) != nil { out += "[\(component)]" } else { out += out.isEmpty ? component : "." + component }
        }
        return out
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is UInt64.Type, is UInt32.Type, is UInt8.Type, is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        default: "a \(type)"
        }
    }
}
