import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Synchronization
import Testing

/// A device fed for a long time holds what one fed for a short time holds: finished jobs are
/// forgotten far behind the firmware, and a streamed trace keeps two batches of events.
@Suite struct LongRunBoundsTests {
    @Test func aLongFedQueueForgetsFinishedJobsAndAStreamedTraceHoldsTwoBatches() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .medium)
            let streamed = Mutex((events: 0, batches: 0))
            gpu.streamTrace { batch in streamed.withLock { $0.events += batch.count; $0.batches += 1 } }
            var jobs: [JobHandle] = []
            for index in 0..<10_000 {
                jobs.append(try gpu.submit(GPUJob("j", duration: .microseconds(10)), to: group))
                if index % 100 == 99 { bench.runUntilIdle() }
            }
            // The oldest jobs are gone, as jobs the kernel freed; the last 4096 still answer.
            #expect(gpu.jobState(jobs[0]) == nil && gpu.jobProgress(jobs[0]) == nil)
            #expect(jobs.suffix(4096).allSatisfy { gpu.jobProgress($0)?.isFinished == true })
            #expect(gpu.heldJobs <= JobRingBounds.retained + 2 * 256)
            // Every event was either handed on, a batch of 1024 at a time, or is still held.
            let handedOn = streamed.withLock { $0 }
            #expect(handedOn.batches > 10 && handedOn.events == handedOn.batches * 1024)
            #expect(handedOn.events + gpu.trace.count == gpu.traceCount)
            #expect(gpu.trace.count <= 2048)
            #expect(gpu.tracePrefix(gpu.traceCount).count == gpu.trace.count)
            // Stopped, the trace keeps everything again.
            gpu.stopStreamingTrace()
            let held = gpu.trace.count
            for _ in 0..<30 { _ = try gpu.submit(GPUJob("k", duration: .microseconds(10)), to: group) }
            bench.runUntilIdle()
            #expect(gpu.trace.count - held >= 60 && streamed.withLock { $0.events } == handedOn.events)
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }
}

/// The ring's retention, as the module states it.
enum JobRingBounds {
    static let retained = 4096
}
