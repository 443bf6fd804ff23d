@testable import ProtMemSimulation
import ProtMemTime
import Testing

/// The recorder, the context's generator and the workloads are `Sendable` because their state
/// is behind a lock, not because one thread happens to use them: calls from many tasks at
/// once lose nothing.
@Suite struct RecorderConcurrencyTests {
    @Test func concurrentRecordsAreAllKept() async {
        let recorder = Recorder()
        let kind = recorder.sliceKind("decode", category: "codec", process: "codec")
        let counter = recorder.workCounter("codec")
        await withTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for frame in 0..<500 {
                        let time = VirtualInstant(nanoseconds: UInt64(task * 1_000 + frame))
                        recorder.didWork(counter)
                        recorder.didWork("display", 2)
                        recorder.slice(kind, frame: UInt64(frame), start: time, end: time + .microseconds(1))
                        recorder.sample(heap: "heap-\(task % 2)", index: task % 2, bytes: UInt64(frame), at: time)
                        if frame % 100 == 0 { recorder.fault("codec", "frame \(frame)", at: time) }
                    }
                }
            }
        }
        #expect(recorder.work == ["codec": 4_000, "display": 8_000])
        #expect(recorder.deviceFaults == ["codec": 40])
        #expect(recorder.faults.count == 40)
        #expect(recorder.peaks == ["heap-0": 499, "heap-1": 499])
        let slices = recorder.traceEvents().filter { $0.name.hasPrefix("decode ") }
        #expect(slices.count == 4_000)
        #expect(slices.map(\.timestamp) == slices.map(\.timestamp).sorted(), "the trace is in time order")
    }
}
