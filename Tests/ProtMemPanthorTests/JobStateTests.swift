import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// A job's state as ``PanthorDevice/jobState(_:)`` reports it through its whole life: the
/// ring keeps it as plain fields and builds the ``JobState`` on read, so every transition
/// must read back exactly as the state it was set to, and as the ``JobProgress`` a poller
/// sees.
@Suite("Job states")
struct JobStateTests {
    static let va = GPUVirtualAddress(0x4_0000_0000)

    @Test func everyTransitionReadsBackAsSet() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            let buffer = try bench.allocate(0x1000, from: "system")
            try gpu.bind(buffer, in: vm, at: Self.va)

            // Queued until the tick binds the group; running from its start; completed at
            // start + duration, with no read back for a job that reads nothing.
            let write = try gpu.submit(GPUJob("write", duration: .microseconds(300), operations: [.write(Self.va, bytes: [9, 8, 7])]), to: group)
            #expect(gpu.jobState(write) == .queued)
            #expect(gpu.jobProgress(write) == .pending)
            bench.run(for: .microseconds(100))
            guard case .running(let since) = gpu.jobState(write) else {
                Issue.record("not running: \(String(describing: gpu.jobState(write)))")
                return
            }
            #expect(gpu.jobProgress(write) == .pending)
            bench.runUntilIdle()
            #expect(gpu.jobState(write) == .completed(at: since + .microseconds(300), readBack: nil))
            #expect(gpu.jobState(write)?.isFinished == true)
            #expect(gpu.jobProgress(write) == .completed(at: since + .microseconds(300)))
            #expect(gpu.jobProgress(write)?.isFinished == true)

            // A read keeps what it saw; asking twice gives the same answer.
            let read = try gpu.submit(GPUJob("read", operations: [.read(Self.va, size: 3)]), to: group)
            bench.runUntilIdle()
            guard case .completed(_, let bytes) = gpu.jobState(read) else {
                Issue.record("the read did not complete")
                return
            }
            #expect(bytes == [9, 8, 7])
            #expect(gpu.jobState(read) == gpu.jobState(read))
            // The earlier job's state is untouched by the later one's.
            #expect(gpu.jobState(write) == .completed(at: since + .microseconds(300), readBack: nil))

            // A fault fails the job with it, and the group; a job submitted then fails at once.
            let stray = try gpu.submit(GPUJob("stray", operations: [.read(GPUVirtualAddress(0x8_0000_0000), size: 4)]), to: group)
            bench.runUntilIdle()
            guard case .failed(.fault(.translation(let fault))) = gpu.jobState(stray) else {
                Issue.record("expected a translation fault: \(String(describing: gpu.jobState(stray)))")
                return
            }
            #expect(fault.address == GPUVirtualAddress(0x8_0000_0000))
            #expect(gpu.jobProgress(stray) == .failed)
            guard case .failed(let groupFailure) = gpu.groupState(group) else {
                Issue.record("the group did not fail")
                return
            }
            let late = try gpu.submit(GPUJob("late"), to: group)
            #expect(gpu.jobState(late) == .failed(.groupFailed(groupFailure)))
            #expect(gpu.jobState(late)?.isFinished == true && gpu.jobState(late)?.completionTime == nil)
            #expect(gpu.jobProgress(late) == .failed && gpu.jobProgress(late)?.isFinished == true)

            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.unbind(in: vm, at: Self.va)
            try gpu.destroyVM(vm)
            try buffer.put()
            gpu.unplug()
        }
    }

    /// A ring holds its jobs in fixed-size chunks (256 jobs each): jobs on both sides of
    /// several chunk boundaries all keep their own states, and the group (with its ring) goes
    /// cleanly.
    @Test func statesHoldAcrossRingChunks() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            var jobs: [JobHandle] = []
            for index in 0..<1300 {
                jobs.append(try gpu.submit(GPUJob("job \(index)", duration: .microseconds(10)), to: group))
            }
            #expect(jobs.allSatisfy { gpu.jobState($0) == .queued })
            bench.runUntilIdle()
            var last: VirtualInstant?
            for (index, job) in jobs.enumerated() {
                guard let at = gpu.jobState(job)?.completionTime else {
                    Issue.record("job \(index) did not complete: \(String(describing: gpu.jobState(job)))")
                    return
                }
                if let last { #expect(at > last, "job \(index) completed after the one before it") }
                last = at
                #expect(job.sequence == UInt64(index))
            }
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }
}
