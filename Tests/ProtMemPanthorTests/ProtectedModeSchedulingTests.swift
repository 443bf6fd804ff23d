import ProtMemBoard
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The three ways into protected mode differ where patch 7's review says they do: which group
/// a tick takes protected, what a protected request without protected memory does, and who
/// fails when the firmware never acknowledges `GLB_PROTM_ENTER`.
@Suite("Protected-mode scheduling: the RFC, patch 7 as posted, patch 7 reviewed")
struct ProtectedModeSchedulingTests {
    /// Patch 7 as posted takes the top group protected whatever it runs: a group with only
    /// normal jobs makes every tick send `GLB_PROTM_ENTER`, and the GPU goes in and out of
    /// protected mode for nothing. The RFC and the reviewed patch never ask.
    @Test(arguments: ProtectedModeScheduling.allCases)
    func onlyPatch7AsPostedAsksForProtectedModeWithoutProtectedWork(_ scheduling: ProtectedModeScheduling) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName, scheduling: scheduling)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            var jobs: [JobHandle] = []
            for index in 0..<8 {
                jobs.append(try gpu.submit(GPUJob("normal \(index)", duration: .milliseconds(1)), to: group))
                bench.run(for: .milliseconds(3))
            }
            bench.runUntilIdle()
            #expect(jobs.allSatisfy { gpu.jobState($0)?.completionTime != nil })
            let metrics = gpu.metrics
            if scheduling == .seriesV1 {
                #expect(metrics.protectedModeEnterRequests >= 1)
                #expect(metrics.protectedModeEntries >= 1, "the model's firmware switches for an empty request")
                #expect(metrics.protectedModeEntries == metrics.protectedModeExits)
                #expect(gpu.traceKinds().contains(.protectedModeExited(.workDone)))
            } else {
                #expect(metrics.protectedModeEnterRequests == 0 && metrics.protectedModeEntries == 0)
            }
            #expect(metrics.resets == 0)
            try bench.release(gpu, groups: [group], vms: [vm])
        }
    }

    /// Every policy still runs a real protected job, for the top group only.
    @Test(arguments: ProtectedModeScheduling.allCases)
    func aProtectedJobRunsUnderEveryPolicy(_ scheduling: ProtectedModeScheduling) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName, scheduling: scheduling)
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let job = try gpu.submit(GPUJob("protected", protected: true, duration: .milliseconds(2)), to: group)
            bench.runUntilIdle()
            #expect(gpu.jobState(job)?.completionTime != nil)
            #expect(gpu.metrics.protectedModeEntries >= 1 && gpu.metrics.resets == 0)
            #expect(gpu.traceKinds().contains(.protectedModeEntered(group)))
            try bench.release(gpu, groups: [group], vms: [vm])
        }
    }

    /// No protected memory (mainline panthor's PROT sections skipped): the RFC and patch 7 as
    /// posted drop the `CS_PROTM_PENDING` and the job waits for ever; the review makes the
    /// queue fatal, so userspace sees the group fail at once.
    @Test(arguments: [ProtectedModeScheduling.rfc, .seriesV1Reviewed])
    func aProtectedRequestWithoutProtectedMemory(_ scheduling: ProtectedModeScheduling) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = bench.device(.none, scheduling: scheduling)
            try gpu.probe()
            let vm = try gpu.createVM()
            let group = try gpu.createGroup(vm: vm, priority: .medium, queues: 1, protectedSuspendBuffer: nil)
            let job = try gpu.submit(GPUJob("protected", protected: true), to: group)
            bench.run(for: .milliseconds(1000))
            #expect(gpu.traceKinds().contains(.protectedModePendingIgnored(group, queue: 0)))
            if scheduling == .seriesV1Reviewed {
                #expect(gpu.groupState(group) == .failed(.protectedModeUnavailable))
                #expect(gpu.jobState(job) == .failed(.groupFailed(.protectedModeUnavailable)))
            } else {
                #expect(gpu.jobState(job) == .waitingForProtectedMode)
                #expect(gpu.groupState(group).map { if case .failed = $0 { false } else { true } } == true)
            }
            #expect(gpu.metrics.protectedModeEntries == 0)
            try bench.release(gpu, groups: [group], vms: [vm])
        }
    }

    /// The firmware never acknowledges `GLB_PROTM_ENTER`: after 4000 ms the GPU is reset. The
    /// RFC and patch 7 as posted fail every CSG update of the tick, so a bystander group on
    /// another slot fails too; the review fails only the group that asked.
    @Test(arguments: ProtectedModeScheduling.allCases)
    func whoFailsWhenTheEntryTimesOut(_ scheduling: ProtectedModeScheduling) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName, scheduling: scheduling)
            gpu.inject(.ignoreNextProtectedModeEnter)
            let (vm, asking) = try bench.group(on: gpu, priority: .high)
            let (bystanderVM, bystander) = try bench.group(on: gpu, priority: .low)
            _ = try gpu.submit(GPUJob("protected", protected: true), to: asking)
            _ = try gpu.submit(GPUJob("bystander", duration: .milliseconds(1)), to: bystander)
            bench.run(for: .milliseconds(4100))
            #expect(gpu.metrics.protectedModeEnterTimeouts == 1, "\(gpu.trace)")
            bench.runUntilIdle()
            #expect(gpu.metrics.resets == 1)
            #expect(gpu.groupState(asking) == .failed(.protectedModeEnterTimeout))
            if scheduling == .seriesV1Reviewed {
                #expect(gpu.groupState(bystander).map { if case .failed = $0 { false } else { true } } == true)
            } else {
                #expect(gpu.groupState(bystander) == .failed(.protectedModeEnterTimeout))
            }
            try bench.release(gpu, groups: [asking, bystander], vms: [vm, bystanderVM])
        }
    }
}
