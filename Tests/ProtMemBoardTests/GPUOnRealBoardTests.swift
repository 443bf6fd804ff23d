import Foundation
import ProtMemBoard
import ProtMemDMABuf
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Testing

/// The real RK3588 Rock 5B blob plus each shipped overlay (and the userspace path): the
/// GPU the board builder finds comes up with its protected memory from that design, runs a
/// protected job, enters protected mode and leaves it.
@Suite struct GPUOnRealBoardTests {
    static var firmware: [UInt8]? {
        guard let directory = SharedData.firmwareDirectory else { return nil }
        return try? SharedData.bytes(of: directory.appendingPathComponent("arch10.8/mali_csffw.bin"))
    }

    static let ready = BoardBlobs.hasDTC && BoardBlobs.rock5b != nil && firmware != nil

    static let cases: [(overlay: String, userspace: Bool)] = BoardBlobs.shippedOverlays.map { ($0.1, false) }
        + (BoardBlobs.shippedOverlays.first { $0.0 == "heap-name" }.map { [($0.1, true)] } ?? [])

    @Test(.enabled(if: ready, "dtc, ../shared/data or the firmware image absent"), arguments: cases.indices)
    func everyDesignEntersAndLeavesProtectedMode(_ index: Int) throws {
        let (overlay, userspace) = Self.cases[index]
        let base = try [UInt8](Data(contentsOf: BoardBlobs.rock5b!))
        let description = try BoardBuilder.build(blob: base, overlayBlobs: [[UInt8](Data(contentsOf: #require(BoardBlobs.builtBlob(overlay))))])
        try withLeakCheckedBoard(description.configuration) { board in
            let events = EventQueue()
            let gpu = try board.makeGPU(firmware: Self.firmware!, events: events, userspaceProtectedMemory: userspace)
            #expect(gpu.name == "fb000000.gpu")
            try gpu.probe()
            if userspace {
                // Userspace asks the driver what it needs, allocates it from a protected heap and
                // hands it in; its own fd is closed afterwards.
                let heap = try #require(board.heaps.find("protected,secure-video"))
                defer { board.heaps.put(heap) }
                #expect(!gpu.protectedMemoryRequirements.ready)
                let buffer = try board.heaps.allocate(heap, length: gpu.protectedMemoryRequirements.firmwareSectionsSize, fdFlags: .readWrite)
                try gpu.installProtectedFirmwareBuffer(buffer)
                try buffer.put()
            }
            #expect(gpu.protectedMemoryRequirements.ready)
            // The firmware's protected section sits in memory the normal world cannot reach.
            let placed = try #require(gpu.firmwareSections.first { $0.section.isProtected })
            let chunk = try #require(placed.chunks.first)
            #expect(board.bus.verdict(.cpuNonSecure, chunk, .read) != nil)

            let vm = try gpu.createVM()
            var suspend: DMABuf?
            if userspace, let heap = board.heaps.find("protected,secure-video") {
                suspend = try board.heaps.allocate(heap, length: gpu.protectedMemoryRequirements.groupSuspendSize, fdFlags: .readWrite)
                board.heaps.put(heap)
            }
            let group = try gpu.createGroup(vm: vm, priority: .high, protectedSuspendBuffer: suspend)
            try suspend?.put()
            let job = try gpu.submit(GPUJob("protected compose", protected: true, duration: .milliseconds(2)), to: group)
            events.advance(by: .microseconds(500))
            #expect(gpu.gpuStatus.contains(.protectedModeActive))
            _ = events.runUntilEmpty(limit: 100_000)
            #expect(gpu.jobState(job)?.completionTime != nil)
            #expect(!gpu.gpuStatus.contains(.protectedModeActive))
            #expect(gpu.metrics.protectedModeEntries == 1 && gpu.metrics.protectedModeExits == 1 && gpu.metrics.resets == 0)
            try gpu.destroyGroup(group)
            _ = events.runUntilEmpty(limit: 100_000)
            try gpu.destroyVM(vm)
            gpu.unplug()
        }
    }
}
