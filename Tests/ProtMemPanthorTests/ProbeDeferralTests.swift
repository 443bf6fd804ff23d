import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Synchronization
import Testing

/// Heap by name: the GPU probes before its heap registers, defers, and comes up on the driver
/// core's retry after the heap's driver has registered it, not before.
@Suite("Probe deferral")
struct ProbeDeferralTests {
    /// After boot (a module loaded later): every bind retries the deferred list, but a heap
    /// registered without a bind retries nothing.
    @Test func theGPUComesUpOnTheFirstBindAfterItsHeapAppears() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let driverCore = DeferredProbeQueue(deferredProbingEnabled: true)
            let gpu = bench.device(.heapByName("gpu-protected"))
            let first = driverCore.probe(gpu)
            guard case .deferred(let why) = first else {
                Issue.record("expected a deferral, got \(first)")
                return
            }
            #expect(why.errno == .probeDefer && why.reason.contains("\"gpu-protected\" is not registered yet"))
            #expect(!gpu.isProbed && driverCore.pending == ["fb000000.gpu"])
            #expect(throws: Errno.noSuchDevice) { try gpu.createVM() }

            // Another device binding triggers a retry, which defers again.
            #expect(driverCore.deviceBound())
            #expect(!gpu.isProbed && driverCore.pending == ["fb000000.gpu"])

            // The heap registers from a module's init: no bind, so no retry yet.
            let carveout = try CarveoutHeap(name: "gpu-protected", region: PanthorBench.reservedRegion, bus: board.bus, scrubber: board.scrubber)
            let heap = try board.heaps.add(name: "gpu-protected", ops: carveout)
            #expect(!gpu.isProbed && driverCore.pending == ["fb000000.gpu"])

            // The next bind brings the GPU up.
            #expect(driverCore.deviceBound())
            #expect(gpu.isProbed)
            #expect(driverCore.pending.isEmpty)
            #expect(!driverCore.deviceBound(), "nothing left to retry")
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

    /// During a built-in boot, `driver_deferred_probe_trigger` is off until `late_initcall`:
    /// binds retry nothing; `late_initcall` retries everything.
    @Test func duringBootOnlyLateInitcallRetries() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let driverCore = DeferredProbeQueue(deferredProbingEnabled: false)
            let gpu = PanthorBench(board: board).device(.heapByName("gpu-protected"))
            #expect(driverCore.probe(gpu).isDeferral)
            let carveout = try CarveoutHeap(name: "gpu-protected", region: PanthorBench.reservedRegion, bus: board.bus, scrubber: board.scrubber)
            let heap = try board.heaps.add(name: "gpu-protected", ops: carveout)
            #expect(!driverCore.deviceBound(), "no retry before late_initcall")
            #expect(!gpu.isProbed && driverCore.attempts.count == 1)
            #expect(driverCore.lateInitcall())
            #expect(gpu.isProbed && driverCore.pending.isEmpty)
            gpu.unplug()
            board.heaps.put(heap)
        }
    }

    /// A device-link consumer is not probed at all while its supplier is unbound: the driver
    /// core defers it ("wait for supplier") without calling the driver.
    @Test func aConsumerWaitsForItsSupplierWithoutBeingProbed() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let driverCore = DeferredProbeQueue(deferredProbingEnabled: true)
            let gpu = PanthorBench(board: board).device(.heapByName("gpu-protected"))
            let bound = Mutex(false)
            let supplier = DeferredProbeQueue.Supplier(name: "/protected-heap") { bound.withLock { $0 } }
            guard case .waitingForSupplier("/protected-heap") = driverCore.probe(gpu, supplier: supplier) else {
                Issue.record("expected a wait for the supplier")
                return
            }
            #expect(driverCore.deviceBound())
            #expect(driverCore.attempts.allSatisfy { "\($0.outcome)" == "deferred: wait for supplier /protected-heap" },
                    "the driver's probe never ran, so it never looked for its heap")
            let carveout = try CarveoutHeap(name: "gpu-protected", region: PanthorBench.reservedRegion, bus: board.bus, scrubber: board.scrubber)
            let heap = try board.heaps.add(name: "gpu-protected", ops: carveout)
            bound.withLock { $0 = true }
            #expect(driverCore.deviceBound())
            #expect(gpu.isProbed)
            gpu.unplug()
            board.heaps.put(heap)
        }
    }

    /// A heap named but empty in the device tree is a broken board, not a heap to wait for.
    @Test func anEmptyHeapNameFailsForGood() throws {
        try withLeakCheckedBoard { board in
            let driverCore = DeferredProbeQueue(deferredProbingEnabled: true)
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
