import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
import ProtMemDevices
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The two rules that keep protected content in: the GPU outside protected mode cannot reach
/// protected memory (the firewall refuses `BusMaster.gpu`), and the GPU in protected mode
/// cannot write memory that is not protected (the GPU model's protected-output rule).
@Suite("Enforcement")
struct EnforcementTests {
    static let protectedVA = GPUVirtualAddress(0x1_0000_0000)
    static let normalVA = GPUVirtualAddress(0x2_0000_0000)

    /// A normal job reading, then one writing, protected memory: each faults on the bus as
    /// `gpu`, the bytes never move, and the group fails.
    @Test func outsideProtectedModeTheGPUCannotTouchProtectedMemory() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let secret = try bench.allocate(0x4000, from: "protected-carveout")
            for operation in [GPUJobOperation.read(Self.protectedVA, size: 0x4000), .fill(Self.protectedVA, size: 0x4000, byte: 0xee)] {
                let (vm, group) = try bench.group(on: gpu, priority: .medium)
                try gpu.bind(secret, in: vm, at: Self.protectedVA)
                let before = board.bus.faults.count
                let job = try gpu.submit(GPUJob("peek", operations: [operation]), to: group)
                bench.runUntilIdle()
                guard case .failed(.fault(.bus(let fault))) = gpu.jobState(job) else {
                    Issue.record("expected a bus fault, got \(String(describing: gpu.jobState(job)))")
                    continue
                }
                #expect(fault.master == .gpu && fault.source == "tzc400")
                #expect(board.bus.faults.faults(since: before) == [fault])
                #expect(gpu.groupState(group).map { if case .failed(.jobFault) = $0 { true } else { false } } == true)
                #expect(!gpu.gpuStatus.contains(.protectedModeActive))
                try gpu.destroyGroup(group)
                bench.runUntilIdle()
                try gpu.unbind(in: vm, at: Self.protectedVA)
                try gpu.destroyVM(vm)
            }
            // The protected GPU still reads zeros: the refused fill wrote nothing.
            let display = DisplayController(bus: board.bus)
            let view = try display.attachFramebuffer(secret)
            #expect(try display.scanOut(view, frameSize: 0x4000) == FramePattern.checksum([UInt8](repeating: 0, count: 0x4000)))
            try display.detach(view)
            try secret.put()
            gpu.unplug()
        }
    }

    /// In protected mode, copying protected content into an ordinary (system-heap) buffer: the
    /// GPU model refuses the write before it reaches the bus, records it, and the protected-
    /// mode fault resets the GPU. The ordinary buffer still reads as zeros to the CPU.
    @Test func inProtectedModeTheGPUCannotWriteOrdinaryMemory() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(.heapByName)
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let secret = try bench.allocate(0x4000, from: "protected-carveout")
            let leak = try bench.allocate(0x4000, from: "system")
            try gpu.bind(secret, in: vm, at: Self.protectedVA)
            try gpu.bind(leak, in: vm, at: Self.normalVA)
            let before = board.bus.faults.count
            let job = try gpu.submit(GPUJob("exfiltrate", protected: true, operations: [
                .fill(Self.protectedVA, size: 0x4000, byte: 0x42),
                .copy(from: Self.protectedVA, to: Self.normalVA, size: 0x4000),
            ]), to: group)
            bench.runUntilIdle()
            guard case .failed(.fault(.protectedOutput(let fault))) = gpu.jobState(job) else {
                Issue.record("expected a protected-output fault, got \(String(describing: gpu.jobState(job)))")
                return
            }
            #expect(fault.master == .gpuProtected && fault.kind == .write && fault.source == "mali-protected-output")
            #expect(board.bus.faults.faults(since: before) == [fault], "recorded once, and the bus saw nothing else")
            #expect(gpu.metrics.protectedModeFaults == 1 && gpu.metrics.resets == 1)
            #expect(gpu.groupState(group) == .failed(.protectedModeFault(nil)))
            let mapping = try leak.mmap(MmapRequest(pageOffset: 0, length: 0x4000, shared: true, protection: .readOnly))
            #expect(try mapping.read(at: 0, count: 0x4000).allSatisfy { $0 == 0 }, "nothing leaked")
            try mapping.unmap()
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            try secret.put()
            try leak.put()
            gpu.unplug()
        }
    }

    /// Under the userspace design the driver cannot tell a protected buffer from an ordinary
    /// one, so it imports either; an ordinary one shows up when the firmware first writes its
    /// protected section in protected mode (as on a v13 GPU): a protected-mode fault and a
    /// reset, not silent success.
    @Test func anOrdinaryBufferHandedInFaultsAtProtectedModeEntry() throws {
        try withLeakCheckedBoard { board in
            let bench = PanthorBench(board: board)
            let gpu = bench.device(.userspace)
            try gpu.probe()
            let ordinary = try bench.allocate(gpu.protectedMemoryRequirements.firmwareSectionsSize, from: "system")
            try gpu.installProtectedFirmwareBuffer(ordinary)
            try ordinary.put()
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let job = try gpu.submit(GPUJob("protected", protected: true), to: group)
            bench.runUntilIdle()
            #expect(gpu.metrics.protectedModeFaults == 1 && gpu.metrics.resets == 1)
            #expect(gpu.jobState(job) == .failed(.groupFailed(.protectedModeFault(nil))))
            #expect(board.bus.faults.faults.contains { $0.source == "mali-protected-output" })
            #expect(gpu.metrics.protectedModeEnterTimeouts == 0, "the fault came before the 4000 ms wait ran out")
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }
}
