import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// Heap by name: the GPU probes before its heap registers, defers, and comes up when the heap
/// appears (the driver core's retry), not before.
@Suite("Probe deferral")
struct ProbeDeferralTests {
    @Test func theGPUComesUpOnceTheHeapAppearsAndNotBefore() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let driverCore = DeferredProbeQueue(heaps: board.heaps)
            let gpu = bench.device(.heapByName("gpu-protected"))
            let first = driverCore.probe(gpu)
            guard case .deferred(let why) = first else {
                Issue.record("expected a deferral, got \(first)")
                return
            }
            #expect(why.errno == .probeDefer && why.reason.contains("\"gpu-protected\" is not registered yet"))
            #expect(!gpu.isProbed && driverCore.pending == ["fb000000.gpu"])
            #expect(throws: Errno.noSuchDevice) { try gpu.createVM() }

            // Another heap registering triggers a retry, which defers again.
            let unrelated = try board.heaps.add(name: "unrelated", ops: SystemHeap(pages: board.pageAllocator))
            #expect(!gpu.isProbed && driverCore.pending == ["fb000000.gpu"])
            board.heaps.put(unrelated)

            // The protected heap's driver registers it: the GPU comes up.
            let carveout = try CarveoutHeap(name: "gpu-protected", region: PanthorBench.reservedRegion, bus: board.bus, scrubber: board.scrubber)
            let heap = try board.heaps.add(name: "gpu-protected", ops: carveout)
            #expect(gpu.isProbed)
            #expect(driverCore.pending.isEmpty)
            #expect(driverCore.attempts.map { "\($0.outcome)".prefix(8) } == ["deferred", "deferred", "bound"])
            #expect(heap.referenceCount == 2, "the GPU holds the heap's reference from dma_heap_find")
            let protectedSection = try #require(gpu.firmwareSections.first { $0.section.isProtected })
            #expect(protectedSection.memory == .protected(origin: "heap gpu-protected"))
            #expect(protectedSection.chunks.allSatisfy { PanthorBench.reservedRegion.contains($0) })

            gpu.unplug()
            #expect(heap.referenceCount == 1, "dma_heap_put on unplug")
            #expect(carveout.statistics.free == PanthorBench.reservedRegion.size)
            board.heaps.put(heap)
            #expect(!board.heaps.names.contains("gpu-protected"))
        }
    }

    /// A heap named but empty in the device tree is a broken board, not a heap to wait for.
    @Test func anEmptyHeapNameFailsForGood() throws {
        try withLeakCheckedBoard { board in
            let driverCore = DeferredProbeQueue(heaps: board.heaps)
            let gpu = PanthorBench(board: board).device(.heapByName(""))
            guard case .failed(let error) = driverCore.probe(gpu) else {
                Issue.record("expected a failure")
                return
            }
            #expect(error.errno == .invalidArgument)
            #expect(driverCore.pending.isEmpty)
        }
    }
}
