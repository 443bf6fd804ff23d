import ProtMemBoard
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// Panthor's tick (`tick_work`) picks runnable groups first, then fills the CSG slots left
/// with idle groups, those already on a slot first, so their slots are not programmed again.
/// So an idle group keeps its slot while nothing runnable needs it, and gives it up to one
/// that does.
@Suite("Idle groups and CSG slots")
struct IdleGroupSlotTests {
    static func bound(_ gpu: PanthorDevice, _ group: GroupHandle) -> Int {
        gpu.traceKinds { if case .groupBound(group, _, _) = $0 { true } else { false } }.count
    }

    static func evictions(_ gpu: PanthorDevice) -> [PanthorTraceEvent.Kind] {
        gpu.traceKinds { if case .groupEvicted = $0 { true } else { false } }
    }

    /// A group whose job is done stays on its slot; its next (protected) job only rings its
    /// doorbell: no eviction, no second bind, and protected mode is entered and left (its work
    /// done) for each job.
    @Test(arguments: ProtectedMemoryDesign.allCases)
    func anIdleGroupKeepsItsSlot(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            var jobs: [JobHandle] = []
            for index in 0..<3 {
                jobs.append(try gpu.submit(GPUJob("frame \(index)", protected: true, duration: .milliseconds(2)), to: group))
                bench.runUntilIdle()
                #expect(gpu.slot(of: group) != nil, "idle after job \(index), the group lost its slot")
            }
            #expect(jobs.allSatisfy { gpu.jobProgress($0)?.isFinished == true && gpu.jobState($0)?.completionTime != nil })
            #expect(Self.bound(gpu, group) == 1)
            #expect(Self.evictions(gpu).isEmpty)
            #expect(gpu.metrics.protectedModeEntries == 3 && gpu.metrics.protectedModeExits == 3)
            #expect(gpu.traceKinds { if case .protectedModeExited = $0 { true } else { false } } == Array(repeating: .protectedModeExited(.workDone), count: 3))
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }

    /// With every slot held by an idle group, a group with work takes one: one idle group is
    /// suspended for it (SUSPEND, since it can still run), the others keep theirs. When the
    /// newcomer is idle too, the idle groups on slots keep them and the one without stays
    /// without; once a slot is freed, that one is bound again, idle as it is.
    @Test func aRunnableGroupTakesASlotFromAnIdleOne() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName, parameters: CSFParameters(groupSlots: 3))
            var groups: [(VMHandle, GroupHandle)] = []
            for _ in 0..<4 { groups.append(try bench.group(on: gpu, priority: .medium)) }
            let residents = groups.prefix(3).map(\.1)
            for group in residents { try gpu.submit(GPUJob("warm-up", duration: .milliseconds(1)), to: group) }
            bench.runUntilIdle()
            #expect(residents.allSatisfy { gpu.slot(of: $0) != nil })
            #expect(Self.evictions(gpu).isEmpty)

            let newcomer = groups[3].1
            let job = try gpu.submit(GPUJob("newcomer", duration: .milliseconds(1)), to: newcomer)
            bench.runUntilIdle()
            #expect(gpu.jobState(job)?.completionTime != nil)
            #expect(gpu.slot(of: newcomer) != nil)
            let evicted = Self.evictions(gpu)
            #expect(evicted.count == 1)
            guard case .groupEvicted(let loser, _, .suspend)? = evicted.first else {
                Issue.record("expected one SUSPEND eviction: \(evicted)")
                return
            }
            #expect(residents.contains(loser) && gpu.slot(of: loser) == nil)
            #expect(residents.filter { $0 != loser }.allSatisfy { gpu.slot(of: $0) != nil }, "only one idle group gave up its slot")

            // A slot comes free: the idle group without one gets it.
            let leaving = try #require(residents.first { $0 != loser })
            try gpu.destroyGroup(leaving)
            bench.runUntilIdle()
            #expect(gpu.slot(of: loser) != nil, "the idle group was not bound to the freed slot")
            #expect(Self.bound(gpu, loser) == 2)

            for (_, group) in groups where group != leaving { try gpu.destroyGroup(group) }
            bench.runUntilIdle()
            for (vm, _) in groups { try gpu.destroyVM(vm) }
            gpu.unplug()
        }
    }
}
