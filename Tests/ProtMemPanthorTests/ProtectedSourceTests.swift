import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import Testing

/// The four protected-memory sources on their own, and the per-group protected suspend
/// buffers they back.
@Suite("Protected memory sources")
struct ProtectedSourceTests {
    static let gpuDevice = DMADevice(name: "fb000000.gpu", master: .gpu)

    /// Heap by name: `dma_heap_find` takes a reference, allocations are imported dma-bufs
    /// (attached for the GPU), freeing puts them, and release puts the heap exactly once.
    @Test func heapByNameHoldsTheHeapUntilReleased() throws {
        try withLeakCheckedBoard { board in
            #expect(throws: Errno.probeDefer) { try HeapByNameSource.find("missing", in: board.heaps, device: Self.gpuDevice) }
            let source = try HeapByNameSource.find("protected,secure-video", in: board.heaps, device: Self.gpuDevice)
            #expect(source.heap.referenceCount == 2)
            let allocation = try source.allocate(ProtectedMemoryRequest(size: 0x8000, purpose: .groupSuspendBuffer(group: 1)))
            let buffer = try #require(allocation.dmaBuf)
            #expect(buffer.exporterName == "tee" && buffer.attachedDevices == [Self.gpuDevice])
            #expect(allocation.chunks.allSatisfy { board.bus.verdict(.cpuNonSecure, $0, .read) != nil })
            allocation.free()
            allocation.free()
            #expect(buffer.isReleased && allocation.isFreed)
            source.release()
            source.release()
            #expect(source.heap.referenceCount == 1)
            #expect(throws: Errno.noSuchDevice) { try source.allocate(ProtectedMemoryRequest(size: 0x1000, purpose: .firmwareSections)) }
        }
    }

    /// Reserved region: refused unless it is DRAM, protected from the non-secure CPU, and usable
    /// by the protected GPU; allocations are scrubbed blocks of its own pool.
    @Test func reservedRegionChecksItsRegion() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let systemRAM = PhysicalRange(checkedBase: 0x4000_0000, size: 0x10_0000)
            #expect(throws: ProtectedRegionError.self) { try ReservedRegionSource(region: systemRAM, bus: board.bus, scrubber: board.scrubber) }
            let opteePool = PhysicalRange(checkedBase: 0xA400_0000, size: 0x10_0000)
            do {
                _ = try ReservedRegionSource(region: opteePool, bus: board.bus, scrubber: board.scrubber)
                // OP-TEE's static pool admits the protected GPU, so it would do.
            } catch {
                Issue.record("\(error)")
            }
            let unaligned = PhysicalRange(checkedBase: PanthorBench.reservedRegion.base.rawValue + 1, size: 0x1000)
            #expect(throws: ProtectedRegionError.self) { try ReservedRegionSource(region: unaligned, bus: board.bus, scrubber: board.scrubber) }
            let outside = PhysicalRange(checkedBase: 0x1_0000_0000, size: 0x1000)
            #expect(throws: ProtectedRegionError.self) { try ReservedRegionSource(region: outside, bus: board.bus, scrubber: board.scrubber) }

            let source = try ReservedRegionSource(region: PanthorBench.reservedRegion, bus: board.bus, scrubber: board.scrubber)
            let first = try source.allocate(ProtectedMemoryRequest(size: 0x10000, purpose: .firmwareSections))
            #expect(first.chunks == [PhysicalRange(base: PanthorBench.reservedRegion.base, size: 0x10000)!])
            try board.bus.privileged.fill(.gpuProtected, first.chunks[0], with: 0x77)
            first.free()
            #expect(source.available == PanthorBench.reservedRegion.size)
            let second = try source.allocate(ProtectedMemoryRequest(size: 0x10000, purpose: .firmwareSections))
            #expect(try board.bus.privileged.read(.gpuProtected, second.chunks[0]).allSatisfy { $0 == 0 }, "scrubbed on free")
            #expect(throws: Errno.noMemory) { try source.allocate(ProtectedMemoryRequest(size: PanthorBench.reservedRegion.size, purpose: .firmwareSections)) }
            #expect(throws: Errno.invalidArgument) { try source.allocate(ProtectedMemoryRequest(size: 0x1001, purpose: .firmwareSections)) }
            second.free()
        }
    }

    /// Userspace: the request must carry a large enough buffer; the driver takes its own
    /// reference, so userspace may close its fd at once.
    @Test func userspaceBuffersAreImportedWithTheirOwnReference() throws {
        try withLeakCheckedBoard { board in
            let source = UserspaceProtectedMemory(device: Self.gpuDevice)
            #expect(throws: Errno.invalidArgument) { try source.allocate(ProtectedMemoryRequest(size: 0x1000, purpose: .firmwareSections)) }
            let heap = board.heaps.heaps.first { $0.name == "protected-carveout" }!
            let buffer = try board.heaps.allocate(heap, length: 0x4000, fdFlags: .readWrite)
            #expect(throws: Errno.invalidArgument) {
                try source.allocate(ProtectedMemoryRequest(size: 0x8000, purpose: .firmwareSections, userBuffer: buffer))
            }
            let allocation = try source.allocate(ProtectedMemoryRequest(size: 0x4000, purpose: .firmwareSections, userBuffer: buffer))
            #expect(buffer.referenceCount == 2)
            try buffer.put()
            #expect(!buffer.isReleased)
            allocation.free()
            #expect(buffer.isReleased)
        }
    }

    /// Every design gives each group a protected suspend buffer of `protm_suspend_size`, in
    /// protected memory, mapped NOEXEC in the MCU's VM at the address the CSG input carries;
    /// destroying the group frees it.
    @Test(arguments: ProtectedMemoryDesign.allCases)
    func groupsGetProtectedSuspendBuffers(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design, heap: design == .heapDevice ? "protected,secure-video" : "protected-carveout")
            let (vm, group) = try bench.group(on: gpu, priority: .medium, heap: design == .heapDevice ? "protected,secure-video" : "protected-carveout")
            let buffer = try #require(gpu.protectedSuspendBuffer(of: group))
            #expect(buffer.size == UInt64(CSFParameters().protectedSuspendSize))
            #expect(buffer.chunks.allSatisfy { board.bus.verdict(.cpuNonSecure, $0, .read) != nil && board.bus.verdict(.gpuProtected, $0, .write) == nil })
            let mapping = try #require(gpu.mmu!.mcu.mappings.first { $0.pages.first == buffer.chunks.first })
            #expect(mapping.attributes == [.noExecute, .protected])
            // Bound to a slot, the CSG input points the firmware at it.
            try gpu.submit(GPUJob("work", duration: .milliseconds(1)), to: group)
            bench.run(for: .microseconds(100))
            let slot = try #require(gpu.slot(of: group)?.slot)
            #expect(gpu.groupInterface(slot: slot)?.input.protectedSuspendBuffer == mapping.virtualRange.start.rawValue)
            #expect(gpu.groupInterface(slot: slot)?.control.protectedSuspendSize == 0x10000)
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            #expect(buffer.isFreed)
            #expect(!gpu.mmu!.mcu.mappings.contains { $0.virtualRange == mapping.virtualRange })
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }

    /// Probe refuses bad firmware parameters with the reason, and device entry points refuse
    /// bad arguments without changing anything.
    @Test func badArgumentsAreRefused() throws {
        try withLeakCheckedBoard { board in
            let bench = PanthorBench(board: board)
            for parameters in [CSFParameters(groupSlots: 2), CSFParameters(groupSlots: 32), CSFParameters(streamsPerGroup: 7),
                               CSFParameters(protectedSuspendSize: 0x1800)] {
                let gpu = bench.device(.heapByName("protected-carveout"), parameters: parameters)
                #expect(throws: PanthorError.self) { try gpu.probe() }
            }
            #expect(board.heaps.heaps.allSatisfy { $0.referenceCount == 1 })
            let gpu = try bench.probedDevice(.heapByName)
            #expect(throws: PanthorError.self) { try gpu.probe() }
            let vm = try gpu.createVM()
            #expect(throws: Errno.invalidArgument) { try gpu.createGroup(vm: vm, priority: .low, queues: 0) }
            #expect(throws: Errno.invalidArgument) { try gpu.createGroup(vm: vm, priority: .low, queues: 9) }
            #expect(throws: Errno.invalidArgument) { try gpu.createGroup(vm: VMHandle(rawValue: 99), priority: .low) }
            let stray = try bench.allocate(0x10000, from: "protected-carveout")
            #expect(throws: Errno.invalidArgument) { try gpu.createGroup(vm: vm, priority: .low, protectedSuspendBuffer: stray) }
            try stray.put()
            let group = try gpu.createGroup(vm: vm, priority: .low, queues: 2)
            #expect(throws: Errno.invalidArgument) { try gpu.submit(GPUJob("x"), to: group, queue: 2) }
            #expect(throws: Errno.resourceBusy) { try gpu.destroyVM(vm) }
            try gpu.destroyGroup(group)
            #expect(throws: Errno.invalidArgument) { try gpu.destroyGroup(group) }
            try gpu.destroyVM(vm)
            gpu.unplug()
            gpu.unplug()
            #expect(throws: Errno.noSuchDevice) { try gpu.createVM() }
            #expect(throws: PanthorError.self) { try gpu.probe() }
        }
    }
}
