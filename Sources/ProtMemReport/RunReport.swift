/// What one simulation run produced, as plain data: the summary a user reads, the JSON a
/// script reads, and the series the HTML report plots. Times are virtual nanoseconds.
public struct RunReport: Codable, Hashable, Sendable {
    public struct Heap: Codable, Hashable, Sendable {
        public var name: String
        public var kind: String
        public var protected: Bool
        public var size: UInt64
        /// The most bytes in use at any moment from the boot until the scenario's time was up.
        public var peakBytes: UInt64
        /// Bytes in use when the scenario's time was up, before the teardown.
        public var atEndBytes: UInt64
        /// What the run left allocated once the workloads gave everything back and the GPU
        /// unplugged: bytes in use then beyond those the heap held before the boot (0 in a
        /// clean run; anything else is also a violation).
        public var afterTeardownBytes: UInt64
        public var allocations: UInt64
        public var failures: UInt64
        /// 1 − largest free extent / free bytes when the scenario's time was up (0 when
        /// unfragmented or full); `nil` for a heap whose free space is not measured in
        /// extents (the page allocator's, CMA, lent memory).
        public var fragmentation: Double?

        public init(name: String, kind: String, protected: Bool, size: UInt64, peakBytes: UInt64, atEndBytes: UInt64, afterTeardownBytes: UInt64,
                    allocations: UInt64, failures: UInt64, fragmentation: Double?) {
            self.name = name
            self.kind = kind
            self.protected = protected
            self.size = size
            self.peakBytes = peakBytes
            self.atEndBytes = atEndBytes
            self.afterTeardownBytes = afterTeardownBytes
            self.allocations = allocations
            self.failures = failures
            self.fragmentation = fragmentation
        }
    }

    public struct Device: Codable, Hashable, Sendable {
        public var name: String
        /// Frames decoded, composed, scanned out, captured; jobs run.
        public var work: UInt64
        public var faults: UInt64

        public init(name: String, work: UInt64, faults: UInt64) {
            self.name = name
            self.work = work
            self.faults = faults
        }
    }

    public struct ProtectedMode: Codable, Hashable, Sendable {
        /// How the driver entered protected mode (`protm_scheduling`: rfc, series-v1,
        /// series-v1-reviewed).
        public var scheduling: String = "rfc"
        /// `GLB_PROTM_ENTER` requests the driver sent; above `entries` when requests failed or
        /// were still in flight at the end.
        public var enterRequests: UInt64 = 0
        public var entries: UInt64 = 0
        public var exits: UInt64 = 0
        public var timeInside: UInt64 = 0
        public var meanEnterLatency: UInt64 = 0
        public var maxEnterLatency: UInt64 = 0

        public init() {}
    }

    /// What one injected fault (`inject:`) did to the run: `recovered` when a frame finished
    /// after the fault cleared with none lost since (absent when no workload keeps frames),
    /// `recovery_time` from the injection to that frame, and the frames lost and finished, and
    /// the allocations refused, until then.
    public struct InjectedFaultOutcome: Codable, Hashable, Sendable {
        public var kind: String
        public var at: UInt64
        /// How long the fault lasted (`for`); 0 for an instant one.
        public var duration: UInt64
        public var recovered: Bool?
        public var framesLost: UInt64 = 0
        public var framesCompleted: UInt64 = 0
        /// Allocations workloads asked for and did not get while the episode was open.
        public var allocationFailures: UInt64 = 0
        public var recoveryTime: UInt64?
        /// What the injection did (bytes taken, when it took effect).
        public var detail: String = ""

        public init(kind: String, at: UInt64, duration: UInt64) {
            self.kind = kind
            self.at = at
            self.duration = duration
        }
    }

    /// A sample of a heap's bytes in use.
    public struct Sample: Codable, Hashable, Sendable {
        public var time: UInt64
        public var bytes: UInt64

        public init(time: UInt64, bytes: UInt64) {
            self.time = time
            self.bytes = bytes
        }
    }

    /// A piece of a protected pool at the end of the run (or at its peak): who holds it, or a
    /// hole.
    public struct PoolSegment: Codable, Hashable, Sendable {
        public var offset: UInt64
        public var size: UInt64
        public var owner: String?

        public init(offset: UInt64, size: UInt64, owner: String?) {
            self.offset = offset
            self.size = size
            self.owner = owner
        }
    }

    public struct Interval: Codable, Hashable, Sendable {
        public var start: UInt64
        public var end: UInt64

        public init(start: UInt64, end: UInt64) {
            self.start = start
            self.end = end
        }
    }

    /// How the GPU's probe went during the boot.
    public struct Probe: Codable, Hashable, Sendable {
        /// The boot's order (`link-order`, `heaps-first`).
        public var order: String
        /// One line: how often the probe deferred and what brought the GPU up.
        public var summary: String
        /// `EPROBE_DEFER` answers before the GPU bound.
        public var deferrals: Int
        /// Every step of the boot, in order.
        public var steps: [String]

        public init(order: String = "", summary: String = "", deferrals: Int = 0, steps: [String] = []) {
            self.order = order
            self.summary = summary
            self.deferrals = deferrals
            self.steps = steps
        }
    }

    /// A workload that did less than its scenario asked for in the time the run had: how
    /// much it was asked, how much it did, and why (`shortfalls` in the JSON, a `note:` line
    /// in the summary).
    public struct Shortfall: Codable, Hashable, Sendable {
        /// `workloads[INDEX] (KIND)`, as the scenario lists it.
        public var workload: String
        public var operationsAsked: UInt64
        public var operationsDone: UInt64
        public var reason: String

        public init(workload: String, operationsAsked: UInt64, operationsDone: UInt64, reason: String) {
            self.workload = workload
            self.operationsAsked = operationsAsked
            self.operationsDone = operationsDone
            self.reason = reason
        }

        /// The summary's line.
        public var note: String {
            "note: \(workload) did \(operationsDone) of the \(operationsAsked) operations asked: \(reason)"
        }
    }

    public var scenario: String
    public var board: String
    public var design: String
    public var seed: UInt64
    public var duration: UInt64
    /// Which firmware image the GPU booted.
    public var firmware: String = ""
    public var probe = Probe()
    public var heaps: [Heap] = []
    public var devices: [Device] = []
    public var protectedMode = ProtectedMode()
    /// The faults, word for word: the first of each source (a run keeps 1000 of each).
    public var faults: [String] = []
    /// Faults that came after those listed, counted only; absent when every one is listed.
    public var faultsNotListed: UInt64?
    public var violations: [String] = []
    /// What the scenario expected and whether the run met it.
    public var expectation: Expectation?
    public var occupancy: [String: [Sample]] = [:]
    public var poolName: String?
    public var poolSize: UInt64 = 0
    public var poolMap: [PoolSegment] = []
    public var protectedIntervals: [Interval] = []
    /// Workloads that did less than asked; empty when every one did all of it.
    public var shortfalls: [Shortfall] = []
    /// The scenario's injected faults and what each did; empty when it injected none.
    public var injectedFaults: [InjectedFaultOutcome] = []

    /// Every fault, listed or not.
    public var faultCount: UInt64 { UInt64(faults.count) + (faultsNotListed ?? 0) }

    public init(scenario: String, board: String, design: String, seed: UInt64, duration: UInt64) {
        self.scenario = scenario
        self.board = board
        self.design = design
        self.seed = seed
        self.duration = duration
    }
}
