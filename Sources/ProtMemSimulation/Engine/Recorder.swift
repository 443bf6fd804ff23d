import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemReport
import ProtMemTime
import Synchronization

/// Everything a run writes down as it goes: trace events, buffer lifetimes, heap occupancy
/// samples, device work and faults.
///
/// Its state is one ``State`` behind one lock: each call takes it once, for the update alone,
/// and asks the buffers it is told of (their names, heaps, attachments) before taking it or
/// after letting it go, never while it holds it. The run uses it from its one thread, so the
/// lock is never contended (and the state's storage needs no exclusivity checks).
///
/// What the report needs stays bounded however long the run (``RunLimits``): counters
/// exactly, occupancy samples decimated to a fixed number per heap, the first faults
/// verbatim and the rest counted. Trace events, one or more a frame, are kept only when the
/// run records a trace (``recordsTrace``): a trace written to a file is the one output
/// allowed to grow with simulated time.
final class Recorder: Sendable {
    /// Whether trace events are kept (a run whose trace nobody writes keeps none).
    let recordsTrace: Bool
    let limits: RunLimits
    private let state: Mutex<State>

    /// A recorded event, in 32 bytes with no reference in it: a per-frame slice (its kind's
    /// label, category and process, the frame it belongs to, when), or the position of an
    /// event recorded whole in ``State/events``. A frame's slices are most of what a run
    /// records; as plain numbers they cost neither a copy of three strings each nor, at the
    /// end of a run, a release of them, and the log takes a third of the pages it did. A slice
    /// is named "`label` `frame`" only when the trace is built, so no run formats a name per
    /// frame that no trace may ever show.
    private struct Entry {
        var timestamp: UInt64
        /// The slice's duration, or for a whole event its position in ``State/events``.
        var duration: UInt64
        var frame: UInt64
        var thread: Int32
        /// The slice's ``Kind``, or `Entry.whole` for an event recorded whole.
        var kind: UInt32

        static let whole = UInt32.max
    }

    /// A per-frame slice's label, category and process, as a workload registers it with
    /// ``sliceKind(_:category:process:)``. The process gets its trace id on the kind's first
    /// slice, exactly when recording the slice by name would have given it one, so the trace's
    /// process numbering does not depend on when kinds were registered.
    private struct Kind {
        let label: String
        let category: String
        let process: String
        var pid: Int?
    }

    /// A registered per-frame slice kind: what ``slice(_:frame:thread:start:end:)`` records.
    struct SliceKind: Sendable {
        fileprivate let index: UInt32
    }

    /// A device's work counter, registered once: what ``didWork(_:_:)-(WorkCounter,_)`` bumps.
    struct WorkCounter: Sendable {
        fileprivate let index: Int
    }

    /// What a buffer's trace slice shows of it, asked of the buffer before the lock is taken.
    private struct BufferFacts {
        let inode: UInt64
        let heap: String
        let size: UInt64

        init(_ buffer: DMABuf) {
            inode = buffer.inode
            heap = buffer.heapName ?? ""
            size = buffer.size
        }
    }

    /// Everything the recorder has written down.
    private struct State {
        let recordsTrace: Bool
        let limits: RunLimits
        /// Trace process ids: one per device and per userspace process, in the order first seen.
        var processes: [String] = []
        /// What was recorded, in the order recorded (the trace sorts by time when it is built):
        /// full chunks of ``chunkCapacity`` entries, then the chunk being filled. A run records
        /// thousands of entries; in chunks the log never grows by copying what it holds (a
        /// copy, and fresh pages to fault in, of everything recorded so far at each doubling).
        var chunks: [[Entry]] = []
        var current: [Entry] = []
        /// Events recorded whole (all but the per-frame slices: faults, buffer lifetimes,
        /// counters, flows), which an ``Entry`` points at.
        var events: [TraceEvent] = []
        /// The per-frame slice kinds, registered once by the workloads that record them.
        var kinds: [Kind] = []
        /// Names given to threads of a process (``nameThread(_:process:thread:)``); a thread
        /// without one is named for its process (thread 0) or its number.
        var threadNames: [String: [Int: String]] = [:]
        /// Each heap's samples, in the order first sampled.
        var occupancySeries: [String: DecimatedSeries<RunReport.Sample>] = [:]
        var deviceFaults: [String: UInt64] = [:]
        /// The first `limits.listedFaults` faults, and how many came after them.
        var faults: [String] = []
        var faultsNotListed: UInt64 = 0
        var openBuffers: [UInt64: (pid: Int, name: String)] = [:]
        /// Each heap sampled, in the order first sampled, with its peak and its last counter
        /// value: arrays a heap's position in the registry indexes, since every heap is
        /// sampled on every frame.
        var heapNames: [String] = []
        var heapPeaks: [UInt64] = []
        var heapLast: [UInt64?] = []
        /// Work done per device, in the order first seen (a handful; searched in place).
        var workNames: [String] = []
        var workDone: [UInt64] = []
        var windingDown = false
        var busFaults: FaultLog?
        var busFaultsReported: [UInt64] = []
        var busFaultsReportedCount = 0
        var lastReportedBusFault = -1
        var deviceProcesses: [String: String] = [:]
        /// Buffers exported and not yet claimed or attributed, with when.
        var unclaimed: [(buffer: DMABuf, since: VirtualInstant)] = []

        init(recordsTrace: Bool, limits: RunLimits) {
            self.recordsTrace = recordsTrace
            self.limits = limits
        }

        mutating func pid(_ process: String) -> Int {
            if let index = processes.firstIndex(of: process) { return index + 1 }
            processes.append(process)
            return processes.count
        }

        mutating func append(_ entry: Entry) {
            guard recordsTrace else { return }
            if current.count == Recorder.chunkCapacity {
                chunks.append(current)
                current = []
            }
            if current.isEmpty { current.reserveCapacity(Recorder.chunkCapacity) }
            current.append(entry)
        }

        mutating func record(_ event: TraceEvent) {
            guard recordsTrace else { return }
            append(Entry(timestamp: event.timestamp, duration: UInt64(events.count), frame: 0, thread: 0, kind: Entry.whole))
            events.append(event)
        }

        mutating func slice(_ kind: SliceKind, frame: UInt64, thread: Int, start: VirtualInstant, end: VirtualInstant) {
            let index = Int(kind.index)
            guard let thread = Int32(exactly: thread) else {
                let registered = kinds[index]
                slice(registered.label, frame: frame, category: registered.category, process: registered.process, thread: thread, start: start,
                      end: end, args: [])
                return
            }
            if kinds[index].pid == nil { kinds[index].pid = pid(kinds[index].process) }
            append(Entry(timestamp: start.rawValue, duration: end.rawValue - start.rawValue, frame: frame, thread: thread, kind: kind.index))
        }

        mutating func slice(_ name: String, frame: UInt64?, category: String, process: String, thread: Int, start: VirtualInstant, end: VirtualInstant,
                            args: [(String, TraceValue)]) {
            let pid = pid(process)
            guard recordsTrace else { return }
            record(TraceEvent(name: frame.map { name + " " + String($0) } ?? name, category: category, phase: .complete, timestamp: start.rawValue,
                              duration: end.rawValue - start.rawValue, pid: pid, tid: thread, args: args))
        }

        mutating func instant(_ name: String, category: String, process: String, at time: VirtualInstant, args: [(String, TraceValue)]) {
            let pid = pid(process)
            guard recordsTrace else { return }
            record(TraceEvent(name: name, category: category, phase: .instant, timestamp: time.rawValue, pid: pid, args: args))
        }

        mutating func didWork(_ device: String, _ amount: UInt64) {
            if let index = workNames.firstIndex(of: device) {
                workDone[index] += amount
            } else {
                workNames.append(device)
                workDone.append(amount)
            }
        }

        /// `latest`: the bus log's latest fault and the log's limit, when it is the device's
        /// fault's cause.
        mutating func fault(_ device: String, _ text: String, at time: VirtualInstant, latest: (index: Int, limit: Int)?) {
            if let latest, latest.index != lastReportedBusFault {
                lastReportedBusFault = latest.index
                busFaultsReportedCount += 1
                if latest.index < latest.limit {
                    if busFaultsReported.isEmpty { busFaultsReported = [UInt64](repeating: 0, count: (latest.limit + 63) >> 6) }
                    busFaultsReported[latest.index >> 6] |= 1 << UInt64(latest.index & 63)
                }
            }
            deviceFaults[device, default: 0] += 1
            if faults.count < limits.listedFaults {
                faults.append("[\(RunReport.fixed(Double(time.rawValue) / 1e6, 3)) ms] \(device): \(text)")
            } else {
                faultsNotListed += 1
            }
            instant("fault", category: "fault", process: device, at: time, args: [("reason", .string(text))])
        }

        mutating func begin(_ buffer: BufferFacts, pid: Int, name: String, at time: VirtualInstant) {
            openBuffers[buffer.inode] = (pid, name)
            record(TraceEvent(name: name, category: "dma-buf", phase: .asyncBegin, timestamp: time.rawValue, pid: pid, id: buffer.inode,
                              args: [("heap", .string(buffer.heap)), ("size", .unsigned(buffer.size)), ("ino", .unsigned(buffer.inode))]))
        }

        mutating func sample(heap: String, index: Int, bytes: UInt64, at time: VirtualInstant) {
            let slot: Int
            if index < heapNames.count, heapNames[index] == heap {
                slot = index
            } else if let found = heapNames.firstIndex(of: heap) {
                slot = found
            } else {
                heapNames.append(heap)
                heapPeaks.append(0)
                heapLast.append(nil)
                slot = heapNames.count - 1
            }
            if !windingDown, bytes > heapPeaks[slot] { heapPeaks[slot] = bytes }
            guard heapLast[slot] != bytes else { return }
            heapLast[slot] = bytes
            if !windingDown {
                occupancySeries[heap, default: DecimatedSeries(capacity: limits.occupancySamples, merge: Recorder.higher)]
                    .append(RunReport.Sample(time: time.rawValue, bytes: bytes))
            }
            let pid = pid("heaps")
            guard recordsTrace else { return }
            record(TraceEvent(name: heap, category: "heap", phase: .counter, timestamp: time.rawValue, pid: pid, args: [("bytes", .unsigned(bytes))]))
        }

        /// The metadata naming every process (`process_name`) and every thread an event uses
        /// (`thread_name`), then the events in time order (stable for ties).
        func traceEvents() -> [TraceEvent] {
            // Sorts positions by their times (gathered once), ties by position; then builds
            // each event once, straight into the result.
            var times: [UInt64] = []
            times.reserveCapacity(chunks.count * Recorder.chunkCapacity + current.count)
            for chunk in chunks { times.append(contentsOf: chunk.lazy.map(\.timestamp)) }
            times.append(contentsOf: current.lazy.map(\.timestamp))
            let order = times.indices.sorted { a, b in times[a] != times[b] ? times[a] < times[b] : a < b }
            // The threads each process's events use, by pid (a handful of each), read off the
            // entries without building an event; then the metadata, then each event once,
            // straight into the result.
            var threads: [Int: Set<Int>] = [:]
            func use(_ entry: Entry) {
                let (pid, tid) = entry.kind == Entry.whole ? (events[Int(entry.duration)].pid, events[Int(entry.duration)].tid)
                    : (kinds[Int(entry.kind)].pid ?? 0, Int(entry.thread))
                if threads[pid]?.contains(tid) != true { threads[pid, default: []].insert(tid) }
            }
            for chunk in chunks { chunk.forEach(use) }
            current.forEach(use)
            var result: [TraceEvent] = []
            result.reserveCapacity(order.count + processes.count + threads.values.reduce(0) { $0 + $1.count })
            for (offset, process) in processes.enumerated() {
                let pid = offset + 1
                result.append(.processName(process, pid: pid))
                for tid in (threads[pid] ?? []).sorted() {
                    result.append(.threadName(threadNames[process]?[tid] ?? (tid == 0 ? process : "thread \(tid)"), pid: pid, tid: tid))
                }
            }
            let full = chunks.count
            for index in order {
                let chunk = index / Recorder.chunkCapacity, offset = index % Recorder.chunkCapacity
                result.append(traceEvent(chunk < full ? chunks[chunk][offset] : current[offset]))
            }
            return result
        }

        private func traceEvent(_ entry: Entry) -> TraceEvent {
            guard entry.kind != Entry.whole else { return events[Int(entry.duration)] }
            let kind = kinds[Int(entry.kind)]
            return TraceEvent(name: kind.label + " " + String(entry.frame), category: kind.category, phase: .complete, timestamp: entry.timestamp,
                              duration: entry.duration, pid: kind.pid ?? 0, tid: Int(entry.thread))
        }
    }

    /// Entries per chunk: a power of two, and a chunk (32 KiB) small enough that `malloc`
    /// serves it from its heap, not a fresh mapping.
    private static let chunkCapacity = 1024

    /// Told of the run's first fault, when a capacity search watches the run.
    let firstFailure: FirstFailureWatch?
    /// Told who allocated each buffer, when the run follows each device's use.
    let deviceUse: DeviceUse?

    init(recordsTrace: Bool = true, limits: RunLimits = RunLimits(), firstFailure: FirstFailureWatch? = nil, deviceUse: DeviceUse? = nil) {
        self.recordsTrace = recordsTrace
        self.limits = limits
        self.firstFailure = firstFailure
        self.deviceUse = deviceUse
        self.state = Mutex(State(recordsTrace: recordsTrace, limits: limits))
    }

    /// Trace process ids: one per device and per userspace process, in the order first seen.
    var processes: [String] { state.withLock { $0.processes } }

    /// Set when the scenario's time is up and the run tears down.
    var windingDown: Bool {
        get { state.withLock { $0.windingDown } }
        set { state.withLock { $0.windingDown = newValue } }
    }

    /// The highest bytes in use each heap was sampled at, from the boot until the scenario's
    /// time was up.
    var peaks: [String: UInt64] { state.withLock { Dictionary(uniqueKeysWithValues: zip($0.heapNames, $0.heapPeaks)) } }
    /// Work done per device.
    var work: [String: UInt64] { state.withLock { Dictionary(uniqueKeysWithValues: zip($0.workNames, $0.workDone)) } }
    /// Each heap's occupancy samples; each sample stands for those decimated into it, as the
    /// one with the most bytes among them.
    var occupancy: [String: [RunReport.Sample]] { state.withLock { $0.occupancySeries.mapValues(\.elements) } }
    /// Faults per device.
    var deviceFaults: [String: UInt64] { state.withLock { $0.deviceFaults } }
    /// The first `limits.listedFaults` faults, and how many came after them.
    var faults: [String] { state.withLock { $0.faults } }
    var faultsNotListed: UInt64 { state.withLock { $0.faultsNotListed } }

    /// Trace entries kept, and occupancy samples over every heap: for ``RunFootprint``.
    var traceEntries: Int { state.withLock { $0.chunks.count * Self.chunkCapacity + $0.current.count } }
    var occupancySampleCount: Int { state.withLock { $0.occupancySeries.values.reduce(0) { $0 + $1.elements.count } } }

    func pid(_ process: String) -> Int {
        state.withLock { $0.pid(process) }
    }

    /// Registers a per-frame slice named "`label` `frame`" in `category` and `process`.
    func sliceKind(_ label: String, category: String, process: String) -> SliceKind {
        state.withLock { state in
            state.kinds.append(Kind(label: label, category: category, process: process))
            return SliceKind(index: UInt32(state.kinds.count - 1))
        }
    }

    /// A complete slice of a registered kind for frame `frame`: what
    /// `slice(label, frame: frame, category:, process:, …)` records, without a string.
    func slice(_ kind: SliceKind, frame: UInt64, thread: Int = 0, start: VirtualInstant, end: VirtualInstant) {
        state.withLock { $0.slice(kind, frame: frame, thread: thread, start: start, end: end) }
    }

    /// A complete slice; with `frame`, named "`name` `frame`".
    func slice(_ name: String, frame: UInt64? = nil, category: String, process: String, thread: Int = 0, start: VirtualInstant, end: VirtualInstant,
               args: [(String, TraceValue)] = []) {
        state.withLock { $0.slice(name, frame: frame, category: category, process: process, thread: thread, start: start, end: end, args: args) }
    }

    func instant(_ name: String, category: String, process: String, at time: VirtualInstant, args: [(String, TraceValue)] = []) {
        state.withLock { $0.instant(name, category: category, process: process, at: time, args: args) }
    }

    /// Registers `device`'s work counter (at zero: the report reads a missing count as zero).
    func workCounter(_ device: String) -> WorkCounter {
        state.withLock { state in
            if let index = state.workNames.firstIndex(of: device) { return WorkCounter(index: index) }
            state.workNames.append(device)
            state.workDone.append(0)
            return WorkCounter(index: state.workNames.count - 1)
        }
    }

    func didWork(_ counter: WorkCounter, _ amount: UInt64 = 1) {
        state.withLock { $0.workDone[counter.index] += amount }
    }

    func didWork(_ device: String, _ amount: UInt64 = 1) {
        state.withLock { $0.didWork(device, amount) }
    }

    /// The board's bus fault log, whose faults the report lists after the devices' own.
    var busFaults: FaultLog? {
        get { state.withLock { $0.busFaults } }
        set { state.withLock { $0.busFaults = newValue } }
    }
    /// Which of the bus's kept faults a device's fault line already reports (bit `i` for the
    /// `i`th), and how many in all (kept or only counted): the report lists each once, as
    /// the device's line, which names the device and what refused it.
    var busFaultsReported: [UInt64] { state.withLock { $0.busFaultsReported } }
    var busFaultsReportedCount: Int { state.withLock { $0.busFaultsReportedCount } }

    /// Whether the device's line reports the `index`th bus fault.
    func reportsBusFault(_ index: Int) -> Bool {
        state.withLock { state in
            index >> 6 < state.busFaultsReported.count && state.busFaultsReported[index >> 6] & (1 << UInt64(index & 63)) != 0
        }
    }

    /// A device's fault from `error`, as "`what`: `error`" (or the error alone). When the bus
    /// refused the device's transaction, the bus's log has the same refusal: it is reported
    /// once, as this line.
    func fault(_ device: String, _ what: String?, _ error: any Error, at time: VirtualInstant) {
        fault(device, what.map { "\($0): \(error)" } ?? "\(error)", at: time, cause: Self.busFault(behind: error))
    }

    /// The bus's refusal a device's error carries, if any.
    static func busFault(behind error: any Error) -> AccessFault? {
        switch error {
        case let fault as AccessFault: fault
        case DMAMasterError.fault(let fault): fault
        default: nil
        }
    }

    /// `cause`: the bus's refusal behind the fault; it is the bus log's latest (the device
    /// reports it as it is thrown), unless it never went through the bus (a secure
    /// producer's refusal), which leaves the bus's log alone. The log is asked before the
    /// recorder's lock is taken.
    func fault(_ device: String, _ text: String, at time: VirtualInstant, cause: AccessFault? = nil) {
        var reported: (index: Int, limit: Int)?
        if let cause, let log = busFaults, let latest = log.latest, latest.record == cause { reported = (latest.index, log.limit) }
        state.withLock { $0.fault(device, text, at: time, latest: reported) }
        firstFailure?.fire("\(device): \(text)", at: time.rawValue)
    }

    /// A buffer exported (the board's dma-buf list says so, whoever allocated it): its life
    /// begins now, in the process of whoever claims it with
    /// ``bufferAllocated(_:owner:name:at:)`` before the event ends, else of the device it is
    /// attached to by then (``attributeUnclaimedBuffers(at:)``).
    func bufferExported(_ buffer: DMABuf, at time: VirtualInstant) {
        guard recordsTrace else { return }
        state.withLock { $0.unclaimed.append((buffer, time)) }
    }

    /// A buffer's owner and name, said by whoever allocated it: its life, begun when it was
    /// exported, is an async slice in the owner's process.
    func bufferAllocated(_ buffer: DMABuf, owner: String, name: String, at time: VirtualInstant) {
        deviceUse?.claimed(buffer, by: owner)
        guard recordsTrace else {
            _ = pid(owner)
            return
        }
        let facts = BufferFacts(buffer)
        state.withLock { state in
            let pid = state.pid(owner)
            var start = time
            if let index = state.unclaimed.firstIndex(where: { $0.buffer === buffer }) { start = state.unclaimed.remove(at: index).since }
            state.begin(facts, pid: pid, name: name, at: start)
        }
    }

    /// Buffers exported that nobody claimed, given the process of the device each is attached
    /// to (``deviceProcesses`` names it, else the device's own name) or, attached to none,
    /// "kernel"; named by their dma-buf name, else by their heap. The buffers are asked
    /// between taking them from the list and recording them, with the lock let go.
    func attributeUnclaimedBuffers(at time: VirtualInstant) {
        // Optional rather than an empty array: this runs after every event, and handing out
        // the empty array retains and releases its shared storage each time.
        let pending = state.withLock { state -> [(buffer: DMABuf, since: VirtualInstant)]? in
            guard !state.unclaimed.isEmpty else { return nil }
            defer { state.unclaimed = [] }
            return state.unclaimed
        }
        guard let pending else { return }
        let described = pending.map { buffer, since in
            (facts: BufferFacts(buffer), device: buffer.attachedDevices.first?.name, name: buffer.name ?? "\(buffer.heapName ?? buffer.exporterName) buffer",
             since: since)
        }
        state.withLock { state in
            for buffer in described {
                let owner = buffer.device.map { state.deviceProcesses[$0] ?? $0 } ?? "kernel"
                state.begin(buffer.facts, pid: state.pid(owner), name: buffer.name, at: buffer.since)
            }
        }
    }

    /// Device names whose buffers belong to another trace process (the GPU's to "gpu").
    var deviceProcesses: [String: String] {
        get { state.withLock { $0.deviceProcesses } }
        set { state.withLock { $0.deviceProcesses = newValue } }
    }

    /// A buffer released (its last reference and pin gone): its life ends.
    func bufferReleased(_ buffer: DMABuf, at time: VirtualInstant) {
        guard recordsTrace else { return }
        let inode = buffer.inode
        if state.withLock({ $0.unclaimed.contains { $0.buffer === buffer } }) { attributeUnclaimedBuffers(at: time) }
        state.withLock { state in
            guard let (pid, name) = state.openBuffers.removeValue(forKey: inode) else { return }
            state.record(TraceEvent(name: name, category: "dma-buf", phase: .asyncEnd, timestamp: time.rawValue, pid: pid, id: inode))
        }
    }

    /// An fd passed from one process to another: a flow arrow.
    func passed(_ buffer: DMABuf, from: String, to: String, at time: VirtualInstant) {
        let inode = buffer.inode
        state.withLock { state in
            let (fromPID, toPID) = (state.pid(from), state.pid(to))
            guard state.recordsTrace else { return }
            state.record(TraceEvent(name: "fd", category: "fd-passing", phase: .flowStart, timestamp: time.rawValue, pid: fromPID, id: inode))
            state.record(TraceEvent(name: "fd", category: "fd-passing", phase: .flowEnd, timestamp: time.rawValue, pid: toPID, id: inode))
        }
    }

    /// A heap's bytes in use: a counter when it changed, a sample for the plot. `index` is the
    /// heap's position in the registry, where it is found without a search while the registry
    /// keeps its order.
    ///
    /// Once the run is ``windingDown`` a sample is a trace counter only: the peak and the
    /// plot cover the boot and the scenario's time, not the teardown after it.
    func sample(heap: String, index: Int, bytes: UInt64, at time: VirtualInstant) {
        state.withLock { $0.sample(heap: heap, index: index, bytes: bytes, at: time) }
    }

    /// Of two samples, the one with more bytes (the earlier on a tie): a decimated plot keeps
    /// its peaks.
    static func higher(_ a: RunReport.Sample, _ b: RunReport.Sample) -> RunReport.Sample {
        b.bytes > a.bytes ? b : a
    }

    /// Ends every buffer slice still open (buffers alive when the run stopped).
    func closeOpenBuffers(at time: VirtualInstant) {
        attributeUnclaimedBuffers(at: time)
        state.withLock { state in
            for (inode, open) in state.openBuffers.sorted(by: { $0.key < $1.key }) {
                state.record(TraceEvent(name: open.name, category: "dma-buf", phase: .asyncEnd, timestamp: time.rawValue, pid: open.pid, id: inode))
            }
            state.openBuffers = [:]
        }
    }

    /// Names thread `thread` of `process` in the trace (`thread_name`), if the trace uses it.
    func nameThread(_ name: String, process: String, thread: Int) {
        state.withLock { $0.threadNames[process, default: [:]][thread] = name }
    }

    /// The metadata naming every process (`process_name`) and every thread an event uses
    /// (`thread_name`), then the events in time order (stable for ties).
    func traceEvents() -> [TraceEvent] {
        state.withLock { $0.traceEvents() }
    }
}
