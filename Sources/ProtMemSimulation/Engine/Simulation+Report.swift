import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemPanthor
import ProtMemReport
import ProtMemTEE
import ProtMemTime

extension Simulation {
    /// The protected pool's map when the run's time is up: who holds which pages, and holes.
    static func describePool(_ board: Board, _ heapName: String, into report: inout RunReport) {
        guard let heap = board.heaps.heaps.first(where: { $0.name == heapName }) else { return }
        let owned: [(PhysicalRange, String)] = board.dmaBufs.buffers.filter { $0.heapName == heapName }.flatMap { buffer in
            let owner = buffer.name ?? buffer.attachedDevices.map(\.name).first.map { "\($0) (ino \(buffer.inode))" } ?? "ino \(buffer.inode)"
            return (buffer.exporter.backing?.entries ?? []).compactMap { entry in entry.range.map { ($0, owner) } }
        }
        let region: PhysicalRange?
        if let carveout = heap.ops as? CarveoutHeap { region = carveout.region }
        else if let tee = heap.ops as? TEEHeap, let pool = tee.pool as? TEEStaticPool { region = pool.range }
        else { region = nil }
        report.poolName = heapName
        guard let region else {
            // No fixed region (lent or scattered memory): the held pieces side by side.
            var offset: UInt64 = 0
            for (range, owner) in owned.sorted(by: { $0.0.base < $1.0.base }) {
                report.poolMap.append(RunReport.PoolSegment(offset: offset, size: range.size, owner: owner))
                offset += range.size
            }
            report.poolSize = offset
            return
        }
        report.poolSize = region.size
        var cursor = region.base.rawValue
        for (range, owner) in owned.sorted(by: { $0.0.base < $1.0.base }) where region.contains(range) {
            if range.base.rawValue > cursor {
                report.poolMap.append(RunReport.PoolSegment(offset: cursor - region.base.rawValue, size: range.base.rawValue - cursor, owner: nil))
            }
            report.poolMap.append(RunReport.PoolSegment(offset: range.base.rawValue - region.base.rawValue, size: range.size, owner: owner))
            cursor = range.end
        }
        if cursor < region.end {
            report.poolMap.append(RunReport.PoolSegment(offset: cursor - region.base.rawValue, size: region.end - cursor, owner: nil))
        }
    }

    /// The report's numbers; the GPU's metrics and protected-mode tally are taken when the
    /// run's time was up (teardown fails whatever jobs were still queued, which is not the
    /// workload's doing). Each heap's peak covers the boot and the scenario's time; `atEnd`
    /// is when the time was up, `afterTeardown` once the workloads gave back and the GPU
    /// unplugged.
    static func fill(_ report: inout RunReport, board: Board, metrics: PanthorMetrics, gpuName: String, protectedMode: ProtectedModeTally,
                     context: SimulationContext, atEnd: HeapMeasure, afterTeardown: HeapMeasure, violations: [InvariantViolation]) {
        let recorder = context.recorder
        let peaks = recorder.peaks, workDone = recorder.work
        for heap in board.heaps.heaps {
            let stats = heap.ops.statistics
            report.heaps.append(RunReport.Heap(name: heap.name, kind: stats.kind, protected: stats.isProtected, size: stats.size,
                                               peakBytes: peaks[heap.name] ?? 0, atEndBytes: atEnd.bytesInUse[heap.name] ?? 0,
                                               afterTeardownBytes: afterTeardown.bytesInUse[heap.name] ?? 0,
                                               allocations: stats.allocations, failures: stats.failures, fragmentation: atEnd.fragmentation[heap.name]))
        }
        report.occupancy = recorder.occupancy
        var devices = [RunReport.Device(name: gpuName, work: UInt64(metrics.jobsCompleted), faults: UInt64(metrics.protectedModeFaults + metrics.jobsFailed))]
        for name in ["codec", "display", "camera"] + recorder.processes.filter({ $0.hasPrefix("churn-") }) {
            let work = workDone[name] ?? 0, faults = recorder.deviceFaults[name] ?? 0
            if work > 0 || faults > 0 || recorder.processes.contains(name) { devices.append(RunReport.Device(name: name, work: work, faults: faults)) }
        }
        report.devices = devices
        // Protected mode: periods and enter latency from the driver's own trace, as tallied.
        report.protectedIntervals = protectedMode.intervals.elements
        report.protectedMode.enterRequests = UInt64(metrics.protectedModeEnterRequests)
        report.protectedMode.entries = UInt64(metrics.protectedModeEntries)
        report.protectedMode.exits = UInt64(metrics.protectedModeExits)
        report.protectedMode.timeInside = protectedMode.timeInside
        report.protectedMode.meanEnterLatency = protectedMode.latencyCount == 0 ? 0 : protectedMode.latencySum / protectedMode.latencyCount
        report.protectedMode.maxEnterLatency = protectedMode.latencyMax
        // The first faults of each source word for word, the rest counted: the devices' own,
        // then the bus's that no device's line already reports (a device refused on the bus
        // reports that refusal itself, so each fault is counted once).
        let busFaults = board.bus.faults
        var listedBus: [String] = []
        for (index, fault) in busFaults.faults.enumerated() where !recorder.reportsBusFault(index) {
            guard listedBus.count < recorder.limits.listedFaults else { break }
            listedBus.append("bus: \(fault)")
        }
        report.faults = recorder.faults + listedBus
        let busOnly = busFaults.count - recorder.busFaultsReportedCount
        let notListed = recorder.faultsNotListed + UInt64(busOnly - listedBus.count)
        report.faultsNotListed = notListed == 0 ? nil : notListed
        report.violations = violations.map(\.description)
    }

    /// The trace thread of the GPU's process that draws a queue's jobs: `100 × group + queue`
    /// (a group has at most 32 queues; groups count from 1, so thread 0 is left for the
    /// protected-mode periods and resets).
    static func gpuThread(group: GroupHandle, queue: Int) -> Int { Int(group.rawValue) * 100 + queue }

    /// The recorder's events plus the GPU's: job slices on a thread per group queue (named
    /// "group 1 (protected), queue 0" when the group ran protected jobs), protected-mode
    /// periods and resets on thread 0.
    static func trace(_ recorder: Recorder, gpuTrace: PanthorTracePrefix) -> [TraceEvent] {
        var starts: [JobHandle: (VirtualInstant, Bool)] = [:]
        var protectedStart: VirtualInstant?
        var queues: Set<[Int]> = [], protectedGroups: Set<GroupHandle> = []
        for event in gpuTrace {
            switch event.kind {
            case .jobStarted(let job, let isProtected):
                starts[job] = (event.time, isProtected)
                if isProtected { protectedGroups.insert(job.group) }
            case .jobCompleted(let job), .jobFailed(let job, _):
                if let (start, isProtected) = starts.removeValue(forKey: job) {
                    recorder.slice("\(job)", category: isProtected ? "gpu-protected" : "gpu", process: "gpu",
                                   thread: gpuThread(group: job.group, queue: job.queue), start: start, end: event.time)
                    queues.insert([Int(job.group.rawValue), job.queue])
                }
            case .protectedModeEntered: protectedStart = event.time
            case .protectedModeExited(let reason):
                if let start = protectedStart {
                    recorder.slice("protected mode", category: "protected-mode", process: "gpu", thread: 0, start: start, end: event.time,
                                   args: [("exit", .string(reason.description))])
                }
                protectedStart = nil
            case .resetScheduled(let why): recorder.instant("reset", category: "gpu", process: "gpu", at: event.time, args: [("reason", .string(why))])
            case .suspended: recorder.instant("system suspend", category: "gpu", process: "gpu", at: event.time)
            case .resumed: recorder.instant("system resume", category: "gpu", process: "gpu", at: event.time)
            default: break
            }
        }
        recorder.nameThread("protected mode, resets", process: "gpu", thread: 0)
        for queue in queues {
            let group = GroupHandle(rawValue: UInt32(queue[0]))
            recorder.nameThread("\(group)\(protectedGroups.contains(group) ? " (protected)" : ""), queue \(queue[1])", process: "gpu",
                                thread: gpuThread(group: group, queue: queue[1]))
        }
        return recorder.traceEvents()
    }
}

/// Each heap's bytes in use and external fragmentation at one moment of a run.
struct HeapMeasure {
    /// Bytes in use; measured ``since`` a start, those beyond what the heap held then.
    var bytesInUse: [String: UInt64] = [:]
    /// `1 − largest free extent / free bytes`, for the heaps whose free space is a
    /// `gen_pool`'s extents (carve-outs, OP-TEE's static pool); 0 with nothing free.
    var fragmentation: [String: Double] = [:]

    /// `since`: the board before its boot, whose heaps' memory in use then (the system heap's
    /// pages are the whole kernel's, and OP-TEE's driver keeps its argument page from the
    /// board's making) is not counted.
    static func take(_ board: Board, since start: BoardStart? = nil) -> HeapMeasure {
        var measure = HeapMeasure()
        for heap in board.heaps.heaps {
            let stats = heap.ops.statistics
            let free = start?.free[heap.name] ?? stats.size
            measure.bytesInUse[heap.name] = free - min(free, stats.free)
            let extents: [PhysicalRange]?
            if let carveout = heap.ops as? CarveoutHeap { extents = carveout.freeExtents }
            else if let tee = heap.ops as? TEEHeap, let pool = tee.pool as? TEEStaticPool { extents = pool.freeExtents }
            else { extents = nil }
            if let extents { measure.fragmentation[heap.name] = fragmentation(freeExtents: extents) }
        }
        return measure
    }

    /// `1 − largest / total` over `extents`; 0 when there are none.
    static func fragmentation(freeExtents extents: [PhysicalRange]) -> Double {
        let free = extents.reduce(UInt64(0)) { $0 + $1.size }
        guard free > 0 else { return 0 }
        return 1 - Double(extents.map(\.size).max() ?? 0) / Double(free)
    }
}
