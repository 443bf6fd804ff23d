import ProtMemBoard
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// What goes wrong: an enter request the firmware never acknowledges, and a fault in
/// protected mode. Both reset the GPU; accounting stays exact.
@Suite("Reset")
struct ResetTests {
    /// The firmware ignores `GLB_PROTM_ENTER`: the driver waits the series' 4000 ms of virtual
    /// time, schedules a reset and fails every CSG update of the tick; the GPU comes back, a new
    /// group enters protected mode normally, and once everything is destroyed and the GPU
    /// unplugged every heap is back where it started.
    @Test(arguments: ProtectedMemoryDesign.allCases)
    func anEnterTimeoutResetsTheGPU(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design)
            gpu.inject(.ignoreNextProtectedModeEnter)
            let (vm, victim) = try bench.group(on: gpu, priority: .high)
            let (bystanderVM, bystander) = try bench.group(on: gpu, priority: .low)
            let protectedJob = try gpu.submit(GPUJob("protected", protected: true), to: victim)
            let later = try gpu.submit(GPUJob("queued behind", duration: .milliseconds(1)), to: victim)
            let normal = try gpu.submit(GPUJob("bystander", duration: .milliseconds(1)), to: bystander)
            let requested = gpu.events.now
            bench.run(for: .milliseconds(3999))
            #expect(gpu.metrics.resets == 0 && gpu.metrics.protectedModeEnterTimeouts == 0, "not before 4000 ms")
            bench.run(for: .milliseconds(2))
            #expect(gpu.metrics.protectedModeEnterTimeouts == 1)
            let timedOut = try #require(gpu.firstTime { $0 == .protectedModeEnterTimedOut })
            let enterRequested = try #require(gpu.firstTime { $0 == .protectedModeEnterRequested })
            #expect(timedOut.duration(since: enterRequested) == .milliseconds(4000))
            #expect(enterRequested.duration(since: requested) < .milliseconds(1))
            bench.runUntilIdle()
            #expect(gpu.metrics.resets == 1)
            #expect(gpu.traceKinds().contains(.resetCompleted))
            #expect(gpu.warnings.contains("FW protm enter timeout, scheduling a reset"))
            #expect(gpu.groupState(victim) == .failed(.protectedModeEnterTimeout))
            #expect(gpu.jobState(protectedJob) == .failed(.groupFailed(.protectedModeEnterTimeout)))
            #expect(gpu.jobState(later) == .failed(.groupFailed(.protectedModeEnterTimeout)))
            // The bystander was on a slot too: its CSG update counts as failed with the rest.
            #expect(gpu.groupState(bystander) == .failed(.protectedModeEnterTimeout))
            #expect(gpu.jobState(normal)?.isFinished == true)

            // After the reset the GPU works: a fresh group enters and leaves protected mode.
            let (freshVM, fresh) = try bench.group(on: gpu, priority: .medium)
            let again = try gpu.submit(GPUJob("protected again", protected: true), to: fresh)
            bench.runUntilIdle()
            #expect(gpu.jobState(again)?.completionTime != nil)
            #expect(gpu.metrics.protectedModeEntries == 1 && gpu.metrics.protectedModeExits == 1)
            #expect(!gpu.gpuStatus.contains(.protectedModeActive))

            for group in [victim, bystander, fresh] { try gpu.destroyGroup(group) }
            bench.runUntilIdle()
            #expect(gpu.liveGroups.isEmpty)
            for handle in [vm, bystanderVM, freshVM] { try gpu.destroyVM(handle) }
            gpu.unplug()
        }
    }

    /// A fault in protected mode (`GPU_IRQ_PROTM_FAULT`): the protected group fails, the
    /// interrupt is masked and the GPU reset; a normal group that was suspended survives and
    /// finishes its work after the reset.
    @Test func aProtectedFaultFailsTheGroupAndResets() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, victim) = try bench.group(on: gpu, priority: .high)
            let (otherVM, other) = try bench.group(on: gpu, priority: .low)
            let job = try gpu.submit(GPUJob("protected", protected: true, duration: .milliseconds(10)), to: victim)
            bench.run(for: .milliseconds(1))
            #expect(gpu.gpuStatus.contains(.protectedModeActive))
            let normal = try gpu.submit(GPUJob("normal after", duration: .milliseconds(1)), to: other)
            bench.run(for: .milliseconds(1))
            #expect(gpu.jobState(normal) == .queued, "waits while protected")
            gpu.inject(.protectedModeFault)
            bench.runUntilIdle()
            #expect(gpu.metrics.protectedModeFaults == 1 && gpu.metrics.resets == 1)
            #expect(gpu.groupState(victim) == .failed(.protectedModeFault(nil)))
            #expect(gpu.jobState(job) == .failed(.groupFailed(.protectedModeFault(nil))))
            #expect(gpu.jobState(normal)?.completionTime != nil, "the other group resumed after the reset")
            #expect(gpu.traceKinds().contains(.protectedModeExited(.reset)))
            #expect(!gpu.gpuStatus.contains(.protectedModeActive))
            for group in [victim, other] { try gpu.destroyGroup(group) }
            bench.runUntilIdle()
            for handle in [vm, otherVM] { try gpu.destroyVM(handle) }
            gpu.unplug()
        }
    }
}
