import ProtMemDMABuf
import ProtMemReport
import ProtMemTime

/// Everything a run writes down as it goes: trace events, buffer lifetimes, heap occupancy
/// samples, device work and faults. Touched only from the simulation's one thread, never
/// re-entrantly, so its hot storage skips the runtime's exclusivity checks (they cost more
/// than the appends they guard, and this runs several times per frame).
final class Recorder: @unchecked Sendable {
    /// Trace process ids: one per device and per userspace process, in the order first seen.
    @exclusivity(unchecked) private(set) var processes: [String] = []
    /// What was recorded, in the order recorded (the trace sorts by time when it is built):
    /// full chunks of ``chunkCapacity`` entries, then the chunk being filled. A run records
    /// thousands of entries; in chunks the log never grows by copying what it holds (a copy,
    /// and fresh pages to fault in, of everything recorded so far at each doubling).
    @exclusivity(unchecked) private var chunks: [[Entry]] = []
    @exclusivity(unchecked) private var current: [Entry] = []
    /// Entries per chunk: a power of two, and a chunk (about 100 KiB) small enough that
    /// `malloc` serves it from its heap, not a fresh mapping.
    private static let chunkCapacity = 1024
    var occupancy: [String: [RunReport.Sample]] = [:]
    var deviceFaults: [String: UInt64] = [:]
    var faults: [String] = []
    private var openBuffers: [UInt64: (pid: Int, name: String)] = [:]
    /// Each heap sampled, in the order first sampled, with its peak and its last counter
    /// value: arrays a heap's position in the registry indexes, since every heap is sampled
    /// on every frame.
    @exclusivity(unchecked) private var heapNames: [String] = []
    @exclusivity(unchecked) private var heapPeaks: [UInt64] = []
    @exclusivity(unchecked) private var heapLast: [UInt64?] = []
    /// Work done per device, in the order first seen (a handful; searched in place).
    @exclusivity(unchecked) private var workNames: [String] = []
    @exclusivity(unchecked) private var workDone: [UInt64] = []

    /// A recorded event. A per-frame slice keeps its label and frame apart and is named
    /// "`label` `frame`" only when the trace is built, so no run formats a name per frame
    /// that no trace may ever show.
    private struct Entry {
        var event: TraceEvent
        var frame: UInt64?

        var traceEvent: TraceEvent {
            guard let frame else { return event }
            var named = event
            named.name = event.name + " " + String(frame)
            return named
        }
    }

    /// The highest bytes in use each heap was sampled at.
    var peaks: [String: UInt64] { Dictionary(uniqueKeysWithValues: zip(heapNames, heapPeaks)) }
    /// Work done per device.
    var work: [String: UInt64] { Dictionary(uniqueKeysWithValues: zip(workNames, workDone)) }

    func pid(_ process: String) -> Int {
        if let index = processes.firstIndex(of: process) { return index + 1 }
        processes.append(process)
        return processes.count
    }

    private func record(_ event: TraceEvent, frame: UInt64? = nil) {
        if current.count == Self.chunkCapacity {
            chunks.append(current)
            current = []
        }
        if current.isEmpty { current.reserveCapacity(Self.chunkCapacity) }
        current.append(Entry(event: event, frame: frame))
    }

    /// A complete slice; with `frame`, named "`name` `frame`".
    func slice(_ name: String, frame: UInt64? = nil, category: String, process: String, thread: Int = 0, start: VirtualInstant, end: VirtualInstant,
               args: [(String, TraceValue)] = []) {
        record(TraceEvent(name: name, category: category, phase: .complete, timestamp: start.rawValue,
                          duration: end.rawValue - start.rawValue, pid: pid(process), tid: thread, args: args), frame: frame)
    }

    func instant(_ name: String, category: String, process: String, at time: VirtualInstant, args: [(String, TraceValue)] = []) {
        record(TraceEvent(name: name, category: category, phase: .instant, timestamp: time.rawValue, pid: pid(process), args: args))
    }

    func didWork(_ device: String, _ amount: UInt64 = 1) {
        if let index = workNames.firstIndex(of: device) {
            workDone[index] += amount
        } else {
            workNames.append(device)
            workDone.append(amount)
        }
    }

    func fault(_ device: String, _ text: String, at time: VirtualInstant) {
        deviceFaults[device, default: 0] += 1
        faults.append("[\(RunReport.fixed(Double(time.rawValue) / 1e6, 3)) ms] \(device): \(text)")
        instant("fault", category: "fault", process: device, at: time, args: [("reason", .string(text))])
    }

    /// A buffer's life begins: an async slice in its owner's process.
    func bufferAllocated(_ buffer: DMABuf, owner: String, name: String, at time: VirtualInstant) {
        let pid = pid(owner)
        openBuffers[buffer.inode] = (pid, name)
        record(TraceEvent(name: name, category: "dma-buf", phase: .asyncBegin, timestamp: time.rawValue, pid: pid, id: buffer.inode,
                          args: [("heap", .string(buffer.heapName ?? "")), ("size", .unsigned(buffer.size)), ("ino", .unsigned(buffer.inode))]))
    }

    func bufferFreed(_ buffer: DMABuf, at time: VirtualInstant) {
        guard let (pid, name) = openBuffers.removeValue(forKey: buffer.inode) else { return }
        record(TraceEvent(name: name, category: "dma-buf", phase: .asyncEnd, timestamp: time.rawValue, pid: pid, id: buffer.inode))
    }

    /// An fd passed from one process to another: a flow arrow.
    func passed(_ buffer: DMABuf, from: String, to: String, at time: VirtualInstant) {
        record(TraceEvent(name: "fd", category: "fd-passing", phase: .flowStart, timestamp: time.rawValue, pid: pid(from), id: buffer.inode))
        record(TraceEvent(name: "fd", category: "fd-passing", phase: .flowEnd, timestamp: time.rawValue, pid: pid(to), id: buffer.inode))
    }

    /// A heap's bytes in use: a counter when it changed, a sample for the plot. `index` is the
    /// heap's position in the registry, where it is found without a search while the registry
    /// keeps its order.
    func sample(heap: String, index: Int, bytes: UInt64, at time: VirtualInstant) {
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
        if bytes > heapPeaks[slot] { heapPeaks[slot] = bytes }
        guard heapLast[slot] != bytes else { return }
        heapLast[slot] = bytes
        occupancy[heap, default: []].append(RunReport.Sample(time: time.rawValue, bytes: bytes))
        record(TraceEvent(name: heap, category: "heap", phase: .counter, timestamp: time.rawValue, pid: pid("heaps"), args: [("bytes", .unsigned(bytes))]))
    }

    /// Ends every buffer slice still open (buffers alive when the run stopped).
    func closeOpenBuffers(at time: VirtualInstant) {
        for (inode, open) in openBuffers.sorted(by: { $0.key < $1.key }) {
            record(TraceEvent(name: open.name, category: "dma-buf", phase: .asyncEnd, timestamp: time.rawValue, pid: open.pid, id: inode))
        }
        openBuffers = [:]
    }

    /// The metadata naming every process, then the events in time order (stable for ties).
    func traceEvents() -> [TraceEvent] {
        // Sorts positions by their times (gathered once, not read through the large entries),
        // ties by position; then copies each event once, straight into the result.
        var times: [UInt64] = []
        times.reserveCapacity(chunks.count * Self.chunkCapacity + current.count)
        for chunk in chunks { times.append(contentsOf: chunk.lazy.map(\.event.timestamp)) }
        times.append(contentsOf: current.lazy.map(\.event.timestamp))
        let order = times.indices.sorted { a, b in times[a] != times[b] ? times[a] < times[b] : a < b }
        var result = processes.enumerated().map { TraceEvent.processName($0.element, pid: $0.offset + 1) }
        result.reserveCapacity(result.count + order.count)
        let full = chunks.count
        for index in order {
            let chunk = index / Self.chunkCapacity, offset = index % Self.chunkCapacity
            result.append((chunk < full ? chunks[chunk][offset] : current[offset]).traceEvent)
        }
        return result
    }
}
