import Foundation
import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
import ProtMemPanthor
import ProtMemSimulation
import ProtMemTime
import ProtMemUserspace
import Testing

/// `/dev/dri/renderD128` drives the GPU model: the shipped protected-path script really puts
/// the GPU in protected mode and stores into the protected frame, a group without the
/// PROTECTED flag never enters, and closing the node releases what it held.
@Suite struct PanthorRenderNodeTests {
    static let examples: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("Examples/abi")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory.deleteLastPathComponent()
        }
        return URL(fileURLWithPath: "/nonexistent/Examples/abi")
    }()

    struct Rig {
        let board: Board
        let gpu: PanthorDevice
        let userspace: Userspace
        let process: UserProcess
        let runner: ABIScriptRunner

        /// Ends the test as a process ends: exit closes every file, and the clock runs until
        /// the scheduler has let every group go and the node's release has destroyed their VMs.
        /// A VM left mapping an imported buffer holds an attachment on it, and LeakSanitizer
        /// rightly reports the buffer (and the board behind it) when a test stops earlier.
        func finish() {
            process.exit()
            gpu.events.advance(by: .milliseconds(500))
        }
    }

    static func rig(userspaceImport: Bool = false, lookup: ProtectedHeapLookup = ProtectedHeapLookup()) throws -> Rig {
        let board = try Board.builtinDefault()
        let gpu = try board.makeGPU(firmware: SyntheticFirmware.image, events: EventQueue(), userspaceProtectedMemory: userspaceImport, heapLookup: lookup)
        try gpu.probe()
        let userspace = Userspace(board: board, gpu: gpu)
        let process = userspace.spawn(name: "mesa")
        return Rig(board: board, gpu: gpu, userspace: userspace, process: process, runner: ABIScriptRunner(process: process))
    }

    static func run(_ rig: Rig, script: String) throws -> [ABIScriptResult] {
        let text = try String(contentsOf: examples.appendingPathComponent(script), encoding: .utf8)
        var results: [ABIScriptResult] = []
        try rig.runner.run(text) { results.append($0) }
        return results
    }

    @Test func protectedSubmitEntersProtectedModeAndStoresIntoTheProtectedFrame() throws {
        let rig = try Self.rig()
        let results = try Self.run(rig, script: "panthor-protected.jsonl")
        // The protected job's wait succeeded; the plain group's timed out.
        let waits = results.filter { $0.op == "syncobj_wait" }.map(\.outcome)
        #expect(waits == [.ok, .failed(errno: "ETIME")])
        let metrics = rig.gpu.metrics
        #expect(metrics.protectedModeEntries == 1)
        #expect(metrics.protectedModeFaults == 0)
        // The store landed in the protected frame: visible to the GPU in protected mode, and
        // the frame is closed to the normal-world CPU.
        // The frame is the script's first protected allocation; the kernel's own (the firmware's
        // sections, the group's protected suspend buffer) come from the same heap later.
        let frame = try #require(rig.board.dmaBufs.buffers.filter { $0.heapName == "protected-carveout" && $0.size == 65536 }.min { $0.inode < $1.inode })
        let attachment = try frame.attach(DMADevice(name: "test-probe", master: .gpuProtected))
        let table = try frame.map(attachment, direction: .bidirectional)
        let range = try #require(PhysicalRange(base: table.entries[0].address, size: 4))
        #expect(try rig.board.bus.privileged.read(.gpuProtected, range) == [0xef, 0xbe, 0xad, 0xde])
        #expect(throws: AccessFault.self) { try rig.board.bus.read(.cpuNonSecure, range) }
        // The probe lets go as a driver would: an attachment left on a buffer keeps it (and
        // the board behind it) alive, which LeakSanitizer rightly reports.
        try frame.unmap(attachment, table, direction: .bidirectional)
        try frame.detach(attachment)
        rig.finish()
    }

    @Test func closingTheNodeReleasesItsObjectsGroupsAndVMs() throws {
        let rig = try Self.rig()
        let kernelBuffers = Set(rig.board.dmaBufs.buffers.map(\.inode))
        // The script leaves its groups, VMs, imports and syncobjs open on the node.
        let script = try String(contentsOf: Self.examples.appendingPathComponent("panthor-protected.jsonl"), encoding: .utf8)
            .split(separator: "\n").filter { !$0.contains("group_destroy") && !$0.contains("vm_destroy") && !$0.contains("\"close\"") }
            .joined(separator: "\n")
        try rig.runner.run(script) { _ in }
        #expect(!rig.gpu.liveGroups.isEmpty)
        rig.process.exit()
        // Groups on a slot go once the scheduler has terminated them.
        rig.gpu.events.advance(by: .milliseconds(500))
        #expect(rig.gpu.liveGroups.isEmpty)
        // Every buffer the process made is gone: no GEM handle, mapping or kernel vmap of the
        // command stream kept one.
        let left = rig.board.dmaBufs.buffers.filter { !kernelBuffers.contains($0.inode) }
        #expect(left.isEmpty, "\(left) \(left.map(\.referenceCount)) \(left.map(\.pinCount))")
        rig.userspace._checkInvariants()
    }

    @Test func userspaceImportWithOrdinaryMemoryFaultsAtProtectedEntry() throws {
        let rig = try Self.rig(userspaceImport: true)
        let results = try Self.run(rig, script: "panthor-userspace-import-unprotected.jsonl")
        #expect(results.first { $0.op == "fw_protected_import" }?.outcome == .ok)
        #expect(results.last?.outcome == .fields([("state", "DRM_PANTHOR_GROUP_STATE_FATAL_FAULT"), ("fatal_queues", "0x1")]))
        #expect(rig.gpu.metrics.protectedModeEntries == 0 || rig.gpu.metrics.protectedModeFaults > 0)
        rig.finish()
    }

    @Test func noRenderNodeWithoutAGPU() throws {
        let userspace = Userspace(board: try Board.builtinDefault())
        let process = userspace.spawn()
        #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("/dev/dri/renderD128", flags: [.readWrite]) }
        #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("/dev/dri", flags: []) }
    }

    @Test func theDRMCoreTakesOlderAndNewerStructSizes() throws {
        let rig = try Self.rig()
        let fd = try rig.process.open("/dev/dri/renderD128", flags: [.readWrite])
        // VM_CREATE with only the first 8 bytes (an older struct): zero-extended, works, and
        // only 8 bytes come back.
        let short = UserBuffer([UInt8](repeating: 0, count: 8))
        let number = IOCTLNumber(direction: [.read, .write], type: UInt8(ascii: "d"), number: DRMIOCTL.panthorVMCreate.rawValue, size: 8)!
        try rig.process.ioctl(fd, number, short)
        #expect(short.bytes.littleEndian(UInt32.self, at: 4) == 1)
        // A request number past the driver's table is EINVAL, as drm_ioctl answers.
        let unknown = IOCTLNumber(direction: [.read, .write], type: UInt8(ascii: "d"), number: 0x60, size: 8)!
        #expect(throws: Errno.invalidArgument) { try rig.process.ioctl(fd, unknown, UserBuffer([UInt8](repeating: 0, count: 8))) }
        // An argument the kernel cannot copy in is EFAULT.
        #expect(throws: Errno.badAddress) { try rig.process.ioctl(fd, DRMIOCTL.panthorVMCreate.number, nil) }
        rig.finish()
    }
}

/// The model's command-stream decoder: Mesa's encodings, jobs cut at `PROT_REGION`, and a
/// clear refusal of what it does not execute.
@Suite struct CommandStreamTests {
    static func bytes(_ words: [UInt64]) -> [UInt8] {
        var bytes: [UInt8] = []
        for word in words { bytes.appendLittleEndian(word) }
        return bytes
    }

    @Test func aProtectedRegionBecomesItsOwnProtectedJob() throws {
        let stream = try CommandStream(Self.bytes([
            CommandStream.move48(0, 0x1000), CommandStream.move32(2, 7),
            CommandStream.storeMultiple(base: 2, address: 0, mask: 1),
            CommandStream.protRegion(instructions: 1), CommandStream.storeMultiple(base: 2, address: 0, mask: 1, offset: 8),
            CommandStream.storeMultiple(base: 2, address: 0, mask: 1, offset: 16),
        ]), label: "t")
        #expect(stream.jobs.map(\.isProtected) == [false, true, false])
        #expect(stream.jobs[1].operations == [.write(GPUVirtualAddress(0x1008), bytes: [7, 0, 0, 0])])
        #expect(stream.jobs[2].operations == [.write(GPUVirtualAddress(0x1010), bytes: [7, 0, 0, 0])])
    }

    @Test func whatTheModelDoesNotExecuteIsRefusedByName() {
        let runCompute: UInt64 = 4 << 56
        #expect(throws: CommandStreamError(instruction: 0, problem: "opcode 4 is not one the model executes")) {
            try CommandStream(Self.bytes([runCompute]), label: "t")
        }
        #expect(throws: CommandStreamError.self) { try CommandStream(Self.bytes([CommandStream.protRegion(instructions: 3)]), label: "t") }
        let load = UInt64(20) << 56 | UInt64(4) << 48 | UInt64(1) << 16
        #expect(throws: CommandStreamError.self) {
            try CommandStream(Self.bytes([CommandStream.move48(0, 0x1000), load, CommandStream.storeMultiple(base: 4, address: 0, mask: 1)]), label: "t")
        }
    }

    @Test func anEmptyStreamIsOneEmptyJob() throws {
        let stream = try CommandStream([], label: "t")
        #expect(stream.jobs.count == 1 && stream.jobs[0].operations.isEmpty && !stream.jobs[0].isProtected)
    }
}
