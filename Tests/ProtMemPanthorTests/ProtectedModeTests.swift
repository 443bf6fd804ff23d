import ProtMemBoard
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// Entering and leaving protected mode for a protected job, under each design.
@Suite("Protected mode")
struct ProtectedModeTests {
    /// A protected job (a `PROT_REGION`) stops its stream with `CS_PROTM_PENDING`; the tick
    /// acknowledges it for the top group, then sends `GLB_PROTM_ENTER`; the firmware enters,
    /// runs the job in protected mode (its writes reach protected memory as the protected GPU)
    /// and leaves when the region is done; the host acknowledges `GLB_PROTM_EXIT`.
    @Test(arguments: ProtectedMemoryDesign.allCases)
    func aProtectedJobEntersAndLeavesProtectedMode(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design)
            #expect(gpu.protectedMemoryRequirements.ready)
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let output = try bench.allocate(0x10000, from: "protected-carveout")
            try gpu.bind(output, in: vm, at: GPUVirtualAddress(0x1_0000_0000))
            let job = try gpu.submit(GPUJob("protected blit", protected: true, duration: .milliseconds(2),
                                            operations: [.fill(GPUVirtualAddress(0x1_0000_0000), size: 0x10000, byte: 0x5a)]), to: group)
            bench.run(for: .microseconds(500))
            #expect(gpu.gpuStatus.contains(.protectedModeActive), "\(gpu.trace)")
            #expect(gpu.jobState(job).map { if case .running = $0 { true } else { false } } == true)
            bench.runUntilIdle()
            #expect(gpu.jobState(job)?.completionTime != nil, "\(String(describing: gpu.jobState(job)))")
            #expect(!gpu.gpuStatus.contains(.protectedModeActive))
            let kinds = gpu.traceKinds { kind in
                switch kind {
                case .protectedModePending, .protectedModePendingAcknowledged, .protectedModeEnterRequested, .protectedModeEntered,
                     .protectedModeEnterAcknowledged, .protectedModeExited: true
                default: false
                }
            }
            #expect(kinds == [.protectedModePending(group, queue: 0), .protectedModePendingAcknowledged(group, queues: 1),
                              .protectedModeEnterRequested, .protectedModeEntered(group), .protectedModeEnterAcknowledged,
                              .protectedModeExited(.workDone)])
            let metrics = gpu.metrics
            #expect(metrics.protectedModeEntries == 1 && metrics.protectedModeExits == 1 && metrics.resets == 0)
            #expect(metrics.protectedModeTime >= .milliseconds(2))
            // The request/acknowledge pairs agree again: nothing left pending.
            #expect(gpu.globalInterface.pendingRequests.isEmpty && gpu.globalInterface.pendingEvents.isEmpty)
            // The display (a reader the firewall admits) sees what the protected GPU wrote.
            let display = DisplayController(bus: board.bus)
            let framebuffer = try display.attachFramebuffer(output)
            let expected = FramePattern.checksum([UInt8](repeating: 0x5a, count: 0x10000))
            #expect(try display.scanOut(framebuffer, frameSize: 0x10000) == expected)
            try display.detach(framebuffer)
            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.unbind(in: vm, at: GPUVirtualAddress(0x1_0000_0000))
            try gpu.destroyVM(vm)
            try output.put()
            gpu.unplug()
        }
    }

    /// The req/ack helpers are exactly `panthor_fw_toggle_reqs` and `panthor_fw_update_reqs`.
    @Test func requestAcknowledgeArithmetic() {
        var random = SplitMixForTests(seed: 5)
        for _ in 0..<10_000 {
            let req = UInt32(truncatingIfNeeded: random.next()), ack = UInt32(truncatingIfNeeded: random.next())
            let mask = UInt32(truncatingIfNeeded: random.next())
            let toggled = RequestAcknowledge.toggle(req: req, ack: ack, mask: mask)
            #expect(toggled == ((ack ^ mask) & mask) | (req & ~mask))
            #expect(RequestAcknowledge.pending(req: toggled, ack: ack, mask: mask) == mask, "every masked bit now differs")
            #expect(toggled & ~mask == req & ~mask)
            let acknowledged = RequestAcknowledge.update(req: toggled, value: ack, mask: mask)
            #expect(RequestAcknowledge.pending(req: acknowledged, ack: ack, mask: mask) == 0)
        }
        #expect(GlobalRequest.protectedModeEnter.rawValue == 1 << 4 && GlobalRequest.protectedModeExit.rawValue == 1 << 23)
        #expect(StreamRequest.protectedModePending.rawValue == 1 << 27 && StreamWaitStatus.protectedMode.rawValue == 1 << 29)
        #expect(GPUStatus.protectedModeActive.rawValue == 1 << 7 && GPUInterrupt.protectedModeFault.rawValue == 1 << 1)
        #expect(GPURegister.doorbell(0) == 0x80000 && GPURegister.doorbell(3) == 0xb0000)
    }
}

struct SplitMixForTests {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
