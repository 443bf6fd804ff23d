import ProtMemBoard
@_spi(SecureWorld) import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The scheduler's protected-mode rules (RFC patch 5, the 2026 series, kbase's ack rule).
@Suite("Scheduler and protected mode")
struct SchedulerTests {
    /// Two groups want protected mode: only the one at the top CSG priority (0xf) is
    /// acknowledged and enters; the other's protected job waits. A normal job submitted while
    /// the GPU is protected waits too, and completes only after the exit; the lower group
    /// enters after that.
    @Test(arguments: ProtectedMemoryDesign.allCases)
    func onlyTheTopGroupEntersAndNormalWorkWaits(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design)
            let (highVM, high) = try bench.group(on: gpu, priority: .high)
            let (lowVM, low) = try bench.group(on: gpu, priority: .low)
            let (normalVM, normal) = try bench.group(on: gpu, priority: .medium)
            let lowJob = try gpu.submit(GPUJob("low protected", protected: true, duration: .milliseconds(3)), to: low)
            let highJob = try gpu.submit(GPUJob("high protected", protected: true, duration: .milliseconds(5)), to: high)
            bench.run(for: .milliseconds(1))
            #expect(gpu.gpuStatus.contains(.protectedModeActive))
            #expect(gpu.slot(of: high)?.priority == 0xf && gpu.slot(of: low)?.priority == 0xe)
            #expect(gpu.jobState(lowJob) == .waitingForProtectedMode)
            let normalJob = try gpu.submit(GPUJob("normal", duration: .milliseconds(1)), to: normal)
            bench.run(for: .milliseconds(1))
            #expect(gpu.jobState(normalJob) == .queued, "normal work waits while the GPU is protected")
            bench.runUntilIdle()

            let entered = gpu.traceKinds { if case .protectedModeEntered = $0 { true } else { false } }
            #expect(entered == [.protectedModeEntered(high), .protectedModeEntered(low)])
            let acknowledged = gpu.traceKinds { if case .protectedModePendingAcknowledged = $0 { true } else { false } }
            #expect(acknowledged == [.protectedModePendingAcknowledged(high, queues: 1), .protectedModePendingAcknowledged(low, queues: 1)])
            let firstExit = try #require(gpu.firstTime { $0 == .protectedModeExited(.workDone) })
            let highDone = try #require(gpu.jobState(highJob)?.completionTime)
            let normalDone = try #require(gpu.jobState(normalJob)?.completionTime)
            let lowDone = try #require(gpu.jobState(lowJob)?.completionTime)
            #expect(highDone <= firstExit && firstExit < normalDone, "the normal job ran after the exit")
            #expect(normalDone < lowDone, "the low group entered only once the normal job was done")
            #expect(gpu.metrics.protectedModeEntries == 2 && gpu.metrics.protectedModeExits == 2 && gpu.metrics.resets == 0)

            // The kbase ack rule: each acknowledgement comes before the enter request it rides on.
            let kinds = gpu.traceKinds()
            for (index, kind) in kinds.enumerated() where kind == .protectedModeEnterRequested {
                #expect(index > 0 && kinds[..<index].last { if case .protectedModePendingAcknowledged = $0 { true } else { false } } != nil)
            }
            for group in [high, low, normal] { try gpu.destroyGroup(group) }
            bench.runUntilIdle()
            for vm in [highVM, lowVM, normalVM] { try gpu.destroyVM(vm) }
            gpu.unplug()
        }
    }

    /// With more groups than CSG slots (three, the minimum), rotation suspends the protected
    /// group: the firmware saves its protected state into the group's protected suspend buffer
    /// and leaves protected mode; when the group comes back its stream raises
    /// `CS_PROTM_PENDING` again and it re-enters, finishing its job.
    @Test func rotationForcesTheExitAndTheJobResumes() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName, parameters: CSFParameters(groupSlots: 3))
            var groups: [(VMHandle, GroupHandle)] = []
            for _ in 0..<4 { groups.append(try bench.group(on: gpu, priority: .medium)) }
            let protectedJob = try gpu.submit(GPUJob("long protected", protected: true, duration: .milliseconds(50)), to: groups[0].1)
            var normalJobs: [JobHandle] = []
            for (_, group) in groups.dropFirst() {
                normalJobs.append(try gpu.submit(GPUJob("normal", duration: .milliseconds(4)), to: group))
                normalJobs.append(try gpu.submit(GPUJob("normal", duration: .milliseconds(4)), to: group))
            }
            bench.runUntilIdle()
            #expect(gpu.jobState(protectedJob)?.completionTime != nil, "\(String(describing: gpu.jobState(protectedJob)))")
            #expect(normalJobs.allSatisfy { gpu.jobState($0)?.completionTime != nil })
            let exits = gpu.traceKinds { if case .protectedModeExited = $0 { true } else { false } }
            #expect(exits.contains(.protectedModeExited(.forcedBySlotChange)), "\(gpu.trace.map(\.description).joined(separator: "\n"))")
            #expect(exits.last == .protectedModeExited(.workDone))
            #expect(gpu.metrics.protectedModeEntries >= 2)
            // The forced exit saved state through the bus into the protected suspend buffer.
            let suspend = try #require(gpu.protectedSuspendBuffer(of: groups[0].1))
            let saved = try board.bus.privileged.read(.gpuProtected, suspend.chunks[0]).prefix(15)
            #expect(Array(saved) == Array("csf-saved-state".utf8))
            for (_, group) in groups { try gpu.destroyGroup(group) }
            bench.runUntilIdle()
            for (vm, _) in groups { try gpu.destroyVM(vm) }
            gpu.unplug()
        }
    }

    /// A second queue of the protected group reaching its protected region while the GPU is
    /// already protected: acknowledged and sent `GLB_PROTM_ENTER` again, it joins the running
    /// session at once (no second switch, no timeout).
    @Test func anotherQueueOfTheProtectedGroupJoinsTheSession() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .high, queues: 2)
            let first = try gpu.submit(GPUJob("first", protected: true, duration: .milliseconds(5)), to: group, queue: 0)
            bench.run(for: .milliseconds(1))
            #expect(gpu.gpuStatus.contains(.protectedModeActive))
            let second = try gpu.submit(GPUJob("second", protected: true, duration: .milliseconds(2)), to: group, queue: 1)
            bench.runUntilIdle()
            let firstDone = try #require(gpu.jobState(first)?.completionTime)
            let secondDone = try #require(gpu.jobState(second)?.completionTime)
            #expect(secondDone < firstDone, "the second ran inside the same session")
            let metrics = gpu.metrics
            #expect(metrics.protectedModeEnterRequests == 2 && metrics.protectedModeEntries == 1 && metrics.protectedModeExits == 1)
            #expect(metrics.protectedModeEnterTimeouts == 0 && metrics.resets == 0)
            #expect(gpu.traceKinds().contains(.protectedModePendingAcknowledged(group, queues: 2)))
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }

    /// Without protected memory (mainline), a protected job's `CS_PROTM_PENDING` is only
    /// warned about; the job stays blocked and the GPU never enters protected mode.
    @Test func withoutProtectedMemoryTheJobStaysBlocked() throws {
        try withLeakCheckedBoard { board in
            let bench = PanthorBench(board: board)
            let gpu = bench.device(.none)
            try gpu.probe()
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let job = try gpu.submit(GPUJob("protected", protected: true), to: group)
            bench.run(for: .seconds(1))
            #expect(gpu.jobState(job) == .waitingForProtectedMode)
            #expect(gpu.traceKinds().contains(.protectedModePendingIgnored(group, queue: 0)))
            #expect(gpu.metrics.protectedModeEnterRequests == 0)
            #expect(gpu.protectedSuspendBuffer(of: group) == nil)
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }

    /// The same workload twice gives the same trace, event for event and nanosecond for
    /// nanosecond.
    @Test func runsAreDeterministic() throws {
        func run() throws -> [PanthorTraceEvent] {
            var trace: [PanthorTraceEvent] = []
            try withLeakCheckedBoard(PanthorBench.configuration) { board in
                let bench = PanthorBench(board: board)
                let gpu = try bench.probedDevice(.reservedRegion, parameters: CSFParameters(groupSlots: 3))
                var groups: [(VMHandle, GroupHandle)] = []
                for priority in [GroupPriority.low, .high, .medium, .medium] { groups.append(try bench.group(on: gpu, priority: priority)) }
                for (index, (_, group)) in groups.enumerated() {
                    try gpu.submit(GPUJob("p\(index)", protected: index % 2 == 0, duration: .milliseconds(UInt64(3 + index))), to: group)
                    try gpu.submit(GPUJob("n\(index)", duration: .milliseconds(2)), to: group)
                }
                bench.runUntilIdle()
                trace = gpu.trace
                for (_, group) in groups { try gpu.destroyGroup(group) }
                bench.runUntilIdle()
                for (vm, _) in groups { try gpu.destroyVM(vm) }
                gpu.unplug()
            }
            return trace
        }
        let first = try run(), second = try run()
        #expect(first == second)
        #expect(first.count > 20)
    }

    /// Every job is named `job G.Q.S` (group, queue, position in the ring), whatever the
    /// number of digits, as the trace and the reports show it.
    @Test func jobsAreNamedByGroupQueueAndSequence() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.reservedRegion)
            let (vm, group) = try bench.group(on: gpu, priority: .medium, queues: 3)
            var jobs: [JobHandle] = []
            for index in 0..<33 { jobs.append(try gpu.submit(GPUJob("j\(index)", duration: .microseconds(10)), to: group, queue: index % 3)) }
            #expect(jobs.map(\.description) == (0..<33).map { "job \(group.rawValue).\($0 % 3).\($0 / 3)" })
            #expect(jobs[32].description == "job \(group.rawValue).2.10")
            bench.runUntilIdle()
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }

    /// The trace reads the same however often it is read: a read in the middle of a run is a
    /// prefix of a later read, every event is there once, and the count agrees (the trace is
    /// recorded in chunks of 1,024 events and joined when read).
    @Test func traceReadsAreConsistentAcrossChunks() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.reservedRegion)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            var jobs: [JobHandle] = []
            var reads: [[PanthorTraceEvent]] = []
            for round in 0..<4 {
                for index in 0..<400 { jobs.append(try gpu.submit(GPUJob("r\(round).\(index)", duration: .microseconds(10)), to: group)) }
                bench.runUntilIdle()
                reads.append(gpu.trace)
                #expect(reads.last!.count == gpu.traceCount)
            }
            #expect(reads.last!.count > 3 * 1024)
            for (earlier, later) in zip(reads, reads.dropFirst()) { #expect(Array(later.prefix(earlier.count)) == earlier) }
            let started = reads.last!.compactMap { if case .jobStarted(let job, _) = $0.kind { job } else { nil } }
            let completed = reads.last!.compactMap { if case .jobCompleted(let job) = $0.kind { job } else { nil } }
            #expect(started == jobs && completed == jobs)
            #expect(gpu.trace == reads.last!)
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }
}
