import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// The GPU remembers translations it repeats (a playback's job touches the same buffers every
/// frame): a remembered translation must never outlive the mapping it came from, and a
/// translation that faults must fault, and be recorded, every time.
@Suite("GPU translation reuse")
struct TranslationReuseTests {
    static let va = GPUVirtualAddress(0x4_0000_0000)

    /// What a job that reads 4 bytes at ``va`` ended as.
    func read(_ gpu: PanthorDevice, _ group: GroupHandle, _ bench: PanthorBench) throws -> JobState? {
        let job = try gpu.submit(GPUJob("read", operations: [.read(Self.va, size: 4)]), to: group)
        bench.runUntilIdle()
        return gpu.jobState(job)
    }

    @Test func aRepeatedJobSeesEveryUnmapAndRemap() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let vm = try gpu.createVM()
            var group = try gpu.createGroup(vm: vm, priority: .medium)
            let first = try bench.allocate(0x1000, from: "system")
            try gpu.bind(first, in: vm, at: Self.va)
            let write = try gpu.submit(GPUJob("write", operations: [.write(Self.va, bytes: [1, 2, 3, 4])]), to: group)
            bench.runUntilIdle()
            #expect(gpu.jobState(write)?.completionTime != nil)
            // Twice: the second read reuses the first's translation and sees the same bytes.
            for _ in 0..<2 {
                guard case .completed(_, let bytes) = try read(gpu, group, bench) else {
                    Issue.record("the read did not complete")
                    return
                }
                #expect(bytes == [1, 2, 3, 4])
            }

            // Unmapped: the same job faults every time it runs, and each fault is recorded.
            try gpu.unbind(in: vm, at: Self.va)
            let faultLog = try #require(gpu.mmu?.faultLog)
            for attempt in 1...2 {
                let before = faultLog.count
                guard case .failed(.fault(.translation(let fault))) = try read(gpu, group, bench) else {
                    Issue.record("attempt \(attempt): expected a translation fault")
                    return
                }
                #expect(fault.reason == .unmapped && fault.address == Self.va)
                #expect(faultLog.count == before + 1, "attempt \(attempt): recorded once")
                // The fault failed the group: the next attempt runs on a fresh one.
                try gpu.destroyGroup(group)
                bench.runUntilIdle()
                group = try gpu.createGroup(vm: vm, priority: .medium)
            }

            // Mapped again to other pages: the job reads those (zeros), not the first buffer's.
            let second = try bench.allocate(0x1000, from: "system")
            try gpu.bind(second, in: vm, at: Self.va)
            guard case .completed(_, let bytes) = try read(gpu, group, bench) else {
                Issue.record("the read after the remap did not complete")
                return
            }
            #expect(bytes == [0, 0, 0, 0])
            #expect(faultLog.count == 2, "only the two unmapped reads faulted")

            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.unbind(in: vm, at: Self.va)
            try gpu.destroyVM(vm)
            try first.put()
            try second.put()
            gpu.unplug()
        }
    }
}
