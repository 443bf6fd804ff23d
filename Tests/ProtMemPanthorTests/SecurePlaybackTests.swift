import ProtMemBoard
import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The codec, GPU and display sharing protected buffers from one pool, and the camera writing
/// protected frames: each is a DMA master with its own firewall identity.
@Suite("Secure playback and record")
struct SecurePlaybackTests {
    static let frameSize: UInt64 = 0x20000
    static let decodedVA = GPUVirtualAddress(0x1_0000_0000)
    static let composedVA = GPUVirtualAddress(0x2_0000_0000)

    /// Frames go codec → (protected) GPU → display through buffers from `protected-carveout`;
    /// the display sees exactly what the codec decoded, the three attachments are live at
    /// once, and the non-secure CPU cannot read a frame.
    @Test func codecToGPUToDisplay() throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let codec = VideoCodec(bus: board.bus)
            let display = DisplayController(bus: board.bus)
            let gpu = try bench.probedDevice(.heapByName)
            let decoded = try bench.allocate(Self.frameSize, from: "protected-carveout")
            let composed = try bench.allocate(Self.frameSize, from: "protected-carveout")
            try decoded.setName("decoded")
            try composed.setName("composed")
            let codecOutput = try codec.attachOutput(decoded)
            let scanout = try display.attachFramebuffer(composed)
            let (vm, group) = try bench.group(on: gpu, priority: .realtime)
            try gpu.bind(decoded, in: vm, at: Self.decodedVA, attributes: [.readOnly, .noExecute, .protected])
            try gpu.bind(composed, in: vm, at: Self.composedVA, attributes: [.noExecute, .protected])
            #expect(Set(decoded.attachedDevices.map(\.name)) == ["fdc38100.video-codec", "fb000000.gpu"])
            #expect(Set(composed.attachedDevices.map(\.name)) == ["fdd90000.vop", "fb000000.gpu"])
            #expect(board.dmaBufs.bufinfo().contains("Total 2 devices attached"))

            for frame in UInt64(0)..<4 {
                let expected = try codec.decode(stream: 7, frame: frame, frameSize: Self.frameSize, into: codecOutput)
                let compose = try gpu.submit(GPUJob("compose \(frame)", protected: true, duration: .milliseconds(4),
                                                    operations: [.copy(from: Self.decodedVA, to: Self.composedVA, size: Self.frameSize)]), to: group)
                bench.runUntilIdle()
                #expect(gpu.jobState(compose)?.completionTime != nil, "\(String(describing: gpu.jobState(compose)))")
                #expect(try display.scanOut(scanout, frameSize: Self.frameSize) == expected, "frame \(frame)")
            }
            #expect(codec.metrics.framesDecoded == 4 && display.metrics.framesScannedOut == 4)
            #expect(codec.faults.isEmpty && display.faults.isEmpty)
            #expect(gpu.metrics.protectedModeEntries == 4 && gpu.metrics.protectedModeExits == 4)

            // The non-secure CPU: no mapping at all (the carve-out answers like tee_heap), and
            // a read of the frame's physical pages faults at the firewall.
            #expect(throws: Errno.invalidArgument) {
                try composed.mmap(MmapRequest(pageOffset: 0, length: Self.frameSize, shared: true, protection: .readOnly))
            }
            let before = board.bus.faults.count
            #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, scanout.chunks[0]) }
            let fault = try #require(board.bus.faults.faults(since: before).first)
            #expect(fault.master == .cpuNonSecure && fault.source == "tzc400")
            // Nor can the GPU outside protected mode, nor the camera (not a reader).
            #expect(board.bus.verdict(.gpu, scanout.chunks[0], .read) != nil)
            #expect(board.bus.verdict(.camera, scanout.chunks[0], .read) != nil)

            try gpu.destroyGroup(group)
            bench.runUntilIdle()
            try gpu.destroyVM(vm)
            try codec.detach(codecOutput)
            try display.detach(scanout)
            #expect(throws: Errno.invalidArgument) { try display.detach(scanout) }
            try decoded.put()
            try composed.put()
            gpu.unplug()
        }
    }

    /// Secure record: the camera writes protected frames into the carve-out, which the codec
    /// (the encoder) can read back; the OP-TEE secure-video pool does not admit the camera as
    /// a writer, and its refused write is recorded against the camera.
    @Test func cameraWritesProtectedFrames() throws {
        try withLeakCheckedBoard { board in
            let camera = CameraISP(bus: board.bus)
            let display = DisplayController(bus: board.bus)
            let bench = PanthorBench(board: board)
            let capture = try bench.allocate(Self.frameSize, from: "protected-carveout")
            let held = try camera.attachCapture(capture)
            let preview = try display.attachFramebuffer(capture)
            let written = try camera.capture(stream: 1, frame: 0, frameSize: Self.frameSize, into: held)
            #expect(try display.scanOut(preview, frameSize: Self.frameSize) == written)
            #expect(board.bus.verdict(.cpuNonSecure, held.chunks[0], .read) != nil)

            let teeBuffer = try bench.allocate(Self.frameSize, from: "protected,secure-video")
            let refused = try camera.attachCapture(teeBuffer)
            #expect(throws: DMAMasterError.self) { try camera.capture(stream: 1, frame: 1, frameSize: Self.frameSize, into: refused) }
            #expect(camera.faults.count == 1 && camera.faults[0].master == .camera && camera.faults[0].kind == .write)
            #expect(camera.metrics.framesCaptured == 1 && camera.metrics.faults == 1)
            #expect(throws: DMAMasterError.bufferTooSmall(needed: Self.frameSize * 2, size: Self.frameSize)) {
                try camera.capture(stream: 1, frame: 2, frameSize: Self.frameSize * 2, into: held)
            }
            for (device, buffer) in [(camera.detach, held), (display.detach, preview), (camera.detach, refused)] as [((DeviceBuffer) throws(Errno) -> Void, DeviceBuffer)] {
                try device(buffer)
            }
            try capture.put()
            try teeBuffer.put()
        }
    }
}
