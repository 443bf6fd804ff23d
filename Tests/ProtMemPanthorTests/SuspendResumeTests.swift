import ProtMemBoard
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// System suspend and resume: the groups on slots are saved and the MCU halted; the resume
/// restarts the MCU on its sections as they are and the groups carry on where they stopped.
@Suite("System suspend and resume")
struct SuspendResumeTests {
    @Test(arguments: ProtectedMemoryDesign.allCases)
    func groupsCarryOnAfterAResume(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design)
            let (vm, protectedGroup) = try bench.group(on: gpu, priority: .high)
            let (normalVM, normalGroup) = try bench.group(on: gpu, priority: .low)
            let long = try gpu.submit(GPUJob("long normal", duration: .milliseconds(10)), to: normalGroup)
            bench.run(for: .milliseconds(2))
            #expect(gpu.jobState(long).map { if case .running = $0 { true } else { false } } == true)
            #expect(gpu.suspend())
            bench.run(for: .milliseconds(1))
            #expect(gpu.powerState == .suspended)
            #expect(gpu.slot(of: normalGroup) == nil, "every group left its slot")
            // Work submitted while asleep waits; nothing runs.
            let protectedJob = try gpu.submit(GPUJob("protected", protected: true, duration: .milliseconds(1)), to: protectedGroup)
            bench.run(for: .milliseconds(50))
            #expect(gpu.jobState(long)?.completionTime == nil)
            #expect(gpu.jobState(protectedJob)?.completionTime == nil)
            #expect(!gpu.suspend(), "already asleep")
            #expect(gpu.resume())
            bench.runUntilIdle()
            #expect(gpu.powerState == .on)
            #expect(gpu.jobState(long)?.completionTime != nil)
            #expect(gpu.jobState(protectedJob)?.completionTime != nil, "\(String(describing: gpu.jobState(protectedJob)))")
            let metrics = gpu.metrics
            #expect(metrics.suspends == 1 && metrics.resets == 0)
            #expect(metrics.protectedModeEntries >= 1 && metrics.protectedModeEntries == metrics.protectedModeExits)
            #expect(!gpu.resume(), "already on")
            #expect(gpu.traceKinds { $0 == .suspended || $0 == .resumed } == [.suspended, .resumed])
            gpu._checkInvariants()
            try bench.release(gpu, groups: [protectedGroup, normalGroup], vms: [vm, normalVM])
        }
    }

    /// A resume at the same instant as the suspend: the suspend finishes (the groups saved,
    /// the MCU halted) and the resume follows it; the work carries on and the driver's view
    /// of its slots stays consistent.
    @Test func aResumeDuringTheSuspendWaitsForIt() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            let job = try gpu.submit(GPUJob("normal", duration: .milliseconds(5)), to: group)
            bench.run(for: .milliseconds(1))
            #expect(gpu.suspend())
            #expect(gpu.powerState == .suspending)
            #expect(gpu.resume())
            gpu._checkInvariants()
            bench.runUntilIdle()
            #expect(gpu.powerState == .on)
            #expect(gpu.jobState(job)?.completionTime != nil)
            #expect(gpu.traceKinds { $0 == .suspended || $0 == .resumed } == [.suspended, .resumed])
            gpu._checkInvariants()
            try bench.release(gpu, groups: [group], vms: [vm])
        }
    }

    /// Suspended in protected mode: the protected group is saved (its protected suspend
    /// buffer), the session ends; after the resume it enters protected mode again and its job
    /// finishes.
    @Test func aSuspendInProtectedModeEndsTheSessionAndTheJobResumes() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let job = try gpu.submit(GPUJob("protected", protected: true, duration: .milliseconds(5)), to: group)
            bench.run(for: .milliseconds(1))
            #expect(gpu.gpuStatus.contains(.protectedModeActive))
            #expect(gpu.suspend())
            bench.run(for: .milliseconds(1))
            #expect(gpu.powerState == .suspended)
            #expect(!gpu.gpuStatus.contains(.protectedModeActive))
            #expect(gpu.resume())
            bench.runUntilIdle()
            #expect(gpu.jobState(job)?.completionTime != nil, "\(String(describing: gpu.jobState(job)))")
            #expect(gpu.metrics.protectedModeEntries >= 2, "entered again after the resume")
            #expect(gpu.metrics.resets == 0)
            try bench.release(gpu, groups: [group], vms: [vm])
        }
    }
}
