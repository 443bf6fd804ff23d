/// A value in a trace event's `args`.
public enum TraceValue: Hashable, Sendable {
    case int(Int64)
    case unsigned(UInt64)
    case string(String)
    case bool(Bool)
}

/// One Chrome trace-event (the JSON format ui.perfetto.dev opens), with the phases ProtMem
/// uses: complete slices, async begin/end for buffer lifetimes, instants, counters, metadata
/// naming processes and threads, and flow arrows for descriptors passed between processes.
public struct TraceEvent: Hashable, Sendable {
    public enum Phase: String, Hashable, Sendable {
        case complete = "X"
        case asyncBegin = "b"
        case asyncEnd = "e"
        case instant = "i"
        case counter = "C"
        case metadata = "M"
        case flowStart = "s"
        case flowStep = "t"
        case flowEnd = "f"
    }

    public var name: String
    public var category: String
    public var phase: Phase
    /// Virtual time in nanoseconds; written as microseconds with three decimals, exactly.
    public var timestamp: UInt64
    /// For complete slices, in nanoseconds.
    public var duration: UInt64?
    public var pid: Int
    public var tid: Int
    /// For async slices and flows.
    public var id: UInt64?
    public var args: [(String, TraceValue)]

    public init(name: String, category: String, phase: Phase, timestamp: UInt64, duration: UInt64? = nil,
                pid: Int, tid: Int = 0, id: UInt64? = nil, args: [(String, TraceValue)] = []) {
        self.name = name
        self.category = category
        self.phase = phase
        self.timestamp = timestamp
        self.duration = duration
        self.pid = pid
        self.tid = tid
        self.id = id
        self.args = args
    }

    public static func == (a: TraceEvent, b: TraceEvent) -> Bool {
        a.name == b.name && a.category == b.category && a.phase == b.phase && a.timestamp == b.timestamp && a.duration == b.duration
            && a.pid == b.pid && a.tid == b.tid && a.id == b.id && a.args.map(\.0) == b.args.map(\.0) && a.args.map(\.1) == b.args.map(\.1)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(name)
        hasher.combine(phase)
        hasher.combine(timestamp)
        hasher.combine(pid)
    }

    /// `M` events naming a process (`process_name`) and a thread (`thread_name`).
    public static func processName(_ name: String, pid: Int) -> TraceEvent {
        TraceEvent(name: "process_name", category: "__metadata", phase: .metadata, timestamp: 0, pid: pid, args: [("name", .string(name))])
    }

    public static func threadName(_ name: String, pid: Int, tid: Int) -> TraceEvent {
        TraceEvent(name: "thread_name", category: "__metadata", phase: .metadata, timestamp: 0, pid: pid, tid: tid, args: [("name", .string(name))])
    }
}
