import ProtMemDMABuf
import ProtMemReport
import ProtMemTime

/// Everything a run writes down as it goes: trace events, buffer lifetimes, heap occupancy
/// samples, device work and faults. Touched only from the simulation's one thread.
final class Recorder: @unchecked Sendable {
    /// Trace process ids: one per device and per userspace process, in the order first seen.
    private(set) var processes: [String] = []
    private(set) var events: [TraceEvent] = []
    var occupancy: [String: [RunReport.Sample]] = [:]
    var peaks: [String: UInt64] = [:]
    var work: [String: UInt64] = [:]
    var deviceFaults: [String: UInt64] = [:]
    var faults: [String] = []
    private var openBuffers: [UInt64: (pid: Int, name: String)] = [:]
    private var lastCounter: [String: UInt64] = [:]

    func pid(_ process: String) -> Int {
        if let index = processes.firstIndex(of: process) { return index + 1 }
        processes.append(process)
        return processes.count
    }

    func slice(_ name: String, category: String, process: String, thread: Int = 0, start: VirtualInstant, end: VirtualInstant, args: [(String, TraceValue)] = []) {
        events.append(TraceEvent(name: name, category: category, phase: .complete, timestamp: start.rawValue,
                                 duration: end.rawValue - start.rawValue, pid: pid(process), tid: thread, args: args))
    }

    func instant(_ name: String, category: String, process: String, at time: VirtualInstant, args: [(String, TraceValue)] = []) {
        events.append(TraceEvent(name: name, category: category, phase: .instant, timestamp: time.rawValue, pid: pid(process), args: args))
    }

    func didWork(_ device: String, _ amount: UInt64 = 1) { work[device, default: 0] += amount }

    func fault(_ device: String, _ text: String, at time: VirtualInstant) {
        deviceFaults[device, default: 0] += 1
        faults.append("[\(RunReport.fixed(Double(time.rawValue) / 1e6, 3)) ms] \(device): \(text)")
        instant("fault", category: "fault", process: device, at: time, args: [("reason", .string(text))])
    }

    /// A buffer's life begins: an async slice in its owner's process.
    func bufferAllocated(_ buffer: DMABuf, owner: String, name: String, at time: VirtualInstant) {
        let pid = pid(owner)
        openBuffers[buffer.inode] = (pid, name)
        events.append(TraceEvent(name: name, category: "dma-buf", phase: .asyncBegin, timestamp: time.rawValue, pid: pid, id: buffer.inode,
                                 args: [("heap", .string(buffer.heapName ?? "")), ("size", .unsigned(buffer.size)), ("ino", .unsigned(buffer.inode))]))
    }

    func bufferFreed(_ buffer: DMABuf, at time: VirtualInstant) {
        guard let (pid, name) = openBuffers.removeValue(forKey: buffer.inode) else { return }
        events.append(TraceEvent(name: name, category: "dma-buf", phase: .asyncEnd, timestamp: time.rawValue, pid: pid, id: buffer.inode))
    }

    /// An fd passed from one process to another: a flow arrow.
    func passed(_ buffer: DMABuf, from: String, to: String, at time: VirtualInstant) {
        events.append(TraceEvent(name: "fd", category: "fd-passing", phase: .flowStart, timestamp: time.rawValue, pid: pid(from), id: buffer.inode))
        events.append(TraceEvent(name: "fd", category: "fd-passing", phase: .flowEnd, timestamp: time.rawValue, pid: pid(to), id: buffer.inode))
    }

    /// A heap's bytes in use: a counter when it changed, a sample for the plot.
    func sample(heap: String, bytes: UInt64, at time: VirtualInstant) {
        // One lookup per table: this runs for every heap on every frame.
        Self.raise(&peaks[heap, default: 0], to: bytes)
        guard lastCounter.updateValue(bytes, forKey: heap) != bytes else { return }
        occupancy[heap, default: []].append(RunReport.Sample(time: time.rawValue, bytes: bytes))
        events.append(TraceEvent(name: heap, category: "heap", phase: .counter, timestamp: time.rawValue, pid: pid("heaps"), args: [("bytes", .unsigned(bytes))]))
    }

    private static func raise(_ peak: inout UInt64, to bytes: UInt64) {
        if bytes > peak { peak = bytes }
    }

    /// Ends every buffer slice still open (buffers alive when the run stopped).
    func closeOpenBuffers(at time: VirtualInstant) {
        for (inode, open) in openBuffers.sorted(by: { $0.key < $1.key }) {
            events.append(TraceEvent(name: open.name, category: "dma-buf", phase: .asyncEnd, timestamp: time.rawValue, pid: open.pid, id: inode))
        }
        openBuffers = [:]
    }

    /// The metadata naming every process, then the events in time order (stable for ties).
    func traceEvents() -> [TraceEvent] {
        // Sorts positions, not the events themselves (large values): by time, then as recorded;
        // then copies each event once, straight into the result.
        let order = events.indices.sorted { a, b in
            events[a].timestamp != events[b].timestamp ? events[a].timestamp < events[b].timestamp : a < b
        }
        var result = processes.enumerated().map { TraceEvent.processName($0.element, pid: $0.offset + 1) }
        result.reserveCapacity(result.count + order.count)
        for index in order { result.append(events[index]) }
        return result
    }
}
