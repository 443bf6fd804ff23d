import Foundation
import ProtMemBoard
import ProtMemDeviceTree
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTestSupport
import Testing

/// The board sources the repository ships (Boards/), built by Scripts/build-dtbs.sh.
@Suite struct ShippedBoardTests {
    static let ready = BoardBlobs.built != nil
    static let readyWithData = ready && BoardBlobs.rock5b != nil

    static func bytes(_ url: URL?) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: try #require(url)))
    }

    @Test(.enabled(if: readyWithData, "dtc or ../shared/data absent"))
    func overlaysApplyAsFdtoverlayAppliesThem() throws {
        let base = try #require(BoardBlobs.rock5b)
        let baseTree = try FlattenedDeviceTree.parse(Self.bytes(base))
        // The list covers every overlay the script builds.
        let built = try FileManager.default.contentsOfDirectory(atPath: try #require(BoardBlobs.built).path).filter { $0.hasSuffix(".dtbo") }
        #expect(Set(built) == Set(BoardBlobs.allShippedOverlays))
        for file in BoardBlobs.allShippedOverlays {
            let overlay = try #require(BoardBlobs.builtBlob(file))
            let mine = try baseTree.applying(overlay: FlattenedDeviceTree.parse(Self.bytes(overlay)))
            let theirs = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-fdtoverlay-\(UUID().uuidString).dtb")
            let mineFile = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-mine-\(UUID().uuidString).dtb")
            defer { for url in [theirs, mineFile] { try? FileManager.default.removeItem(at: url) } }
            let result = try BoardBlobs.run(try #require(BoardBlobs.tool("fdtoverlay")), ["-i", base.path, "-o", theirs.path, overlay.path])
            #expect(result.status == 0, "\(result.stderr)")
            try Data(FlattenedDeviceTree.serialize(mine)).write(to: mineFile)
            let text = try BoardBlobs.decompile(mineFile)
            #expect(text == (try BoardBlobs.decompile(theirs)), "\(file)")
            #expect(text.contains("memory@200000 {"))
        }
    }

    @Test(.enabled(if: readyWithData, "dtc or ../shared/data absent"))
    func eachOverlayYieldsItsDesignAndHeaps() throws {
        let base = try Self.bytes(BoardBlobs.rock5b)
        let carveout = PhysicalRange(checkedBase: 0xe800_0000, size: 128 << 20)
        for (design, file) in BoardBlobs.shippedOverlays {
            let description = try BoardBuilder.build(blob: base, overlayBlobs: [Self.bytes(BoardBlobs.builtBlob(file))])
            let gpu = try #require(description.gpu)
            #expect(gpu.design.kind == design, "\(file)")
            #expect(description.configuration.dram == [
                PhysicalRange(checkedBase: 0x20_0000, size: 0xefe0_0000), PhysicalRange(checkedBase: 0x1_0000_0000, size: 4 << 30),
            ])
            let board = try Board(description.configuration)
            switch gpu.design {
            case .heapName(let name):
                #expect(name == "protected,secure-video")
                #expect(board.heaps.names == ["system", "protected,secure-video"])
                #expect(description.configuration.optee?.staticPool?.range == carveout)
            case .reservedRegion(let name, let range):
                #expect(name == "gpu-protected@e8000000" && range == carveout)
                #expect(board.heaps.names == ["system"])
                let record = try #require(board.secureMonitor.protections.first { $0.owner == name })
                #expect(record.range == carveout && record.readers == ["gpu-protected", "display"])
            case .heapDevice(let device):
                #expect(device == HeapDevice(path: "/protected-heap", heapName: "protected-carveout",
                                             backing: .carveout(region: "protected-carveout@e8000000")))
                #expect(board.heaps.names == ["system", "protected-carveout"])
                #expect(board.carveoutHeaps.first?.region == carveout)
            case .none:
                Issue.record("\(file) selects no design")
            }
            // Probe finds its protected memory in every design.
            switch try board.probeProtectedMemory(for: gpu) {
            case .heap(let heap): board.heaps.put(heap)
            case .region(_, let range): #expect(range == carveout)
            case .none: Issue.record("\(file): no protected memory")
            }
            #expect(description.unmodelled.count == 240)
            #expect(description.unmodelled.contains { $0.path == "/usb@fc000000" })
            board._checkInvariants()
        }
    }

    @Test(.enabled(if: readyWithData, "dtc or ../shared/data absent"))
    func theHypervisorOverlayLendsSecureVideo() throws {
        let description = try BoardBuilder.build(blob: Self.bytes(BoardBlobs.rock5b),
                                                 overlayBlobs: [Self.bytes(BoardBlobs.builtBlob(BoardBlobs.hypervisorOverlay))])
        let hypervisor = try #require(description.configuration.hypervisor)
        #expect(hypervisor.heapName == "protected,secure-video" && hypervisor.heapReceiver == 0x8001)
        #expect(hypervisor.receivers == [0x8001: OPTEEConfiguration.Grant(readers: [.gpuProtected, .codec, .display], writers: [.gpuProtected, .codec])])
        #expect(description.hypervisor == HypervisorNode(path: "/firmware/hypervisor",
                                                         endpoints: [.init(id: 0x8001, path: "/firmware/hypervisor/ffa-endpoint@8001")]))
        // The real board's OP-TEE stays, without protected memory; the GPU names the lend heap.
        #expect(description.trustedOS?.path == "/firmware/optee" && description.configuration.optee?.staticPool == nil)
        let gpu = try #require(description.gpu)
        #expect(gpu.design == .heapName("protected,secure-video"))
        #expect(description.unmodelled.count == 240)

        try withLeakCheckedBoard(description.configuration) { board in
            #expect(board.heaps.names == ["system", "protected,secure-video"])
            #expect(board.heapSummaries.last?.kind == "ffa-lend" && board.heapSummaries.last?.protected == true)
            let monitor = try #require(board.secureMonitor.hypervisor)
            switch try board.probeProtectedMemory(for: gpu) {
            case .heap(let heap):
                let buffer = try board.heaps.allocate(heap, length: 16 * pageSize, fdFlags: .readWrite)
                #expect(monitor.liveTransactions == 1)
                try buffer.put()
                board.heaps.put(heap)
            default:
                Issue.record("the GPU found no heap")
            }
            #expect(monitor.liveTransactions == 0)
        }
    }

    @Test(.enabled(if: ready, "dtc not installed"))
    func theDefaultBoardSourceIsTheBuiltinBoard() throws {
        let description = try BoardBuilder.build(blob: Self.bytes(BoardBlobs.builtBlob("protmem-default.dtb")))
        expectSameConfiguration(description.configuration, .builtinDefault)
        #expect(description.unmodelled.isEmpty)
        // And the boards built from both are the same board.
        let fromTree = try Board(description.configuration), builtin = try Board.builtinDefault()
        #expect(fromTree.heapSummaries == builtin.heapSummaries)
        #expect(fromTree.secureMonitor.protections == builtin.secureMonitor.protections)
    }
}

/// Compares two configurations field by field, so a difference names the field.
func expectSameConfiguration(_ a: BoardConfiguration, _ b: BoardConfiguration, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.name == b.name, sourceLocation: sourceLocation)
    #expect(a.dram == b.dram, sourceLocation: sourceLocation)
    #expect(a.cma?.name == b.cma?.name, sourceLocation: sourceLocation)
    #expect(a.cma?.range == b.cma?.range, sourceLocation: sourceLocation)
    #expect(a.carveouts.count == b.carveouts.count, sourceLocation: sourceLocation)
    for (x, y) in zip(a.carveouts, b.carveouts) {
        #expect(x.heapName == y.heapName, sourceLocation: sourceLocation)
        #expect(x.range == y.range, sourceLocation: sourceLocation)
        #expect(x.readers == y.readers, sourceLocation: sourceLocation)
        #expect(x.writers == y.writers, sourceLocation: sourceLocation)
        #expect(x.cpuAccessPolicy == y.cpuAccessPolicy, sourceLocation: sourceLocation)
    }
    #expect(a.firewallRegions == b.firewallRegions, sourceLocation: sourceLocation)
    #expect(a.masters == b.masters, sourceLocation: sourceLocation)
    #expect((a.optee == nil) == (b.optee == nil), sourceLocation: sourceLocation)
    if let x = a.optee, let y = b.optee {
        #expect(x.staticPool?.range == y.staticPool?.range, sourceLocation: sourceLocation)
        #expect(x.staticPool?.useCase == y.staticPool?.useCase, sourceLocation: sourceLocation)
        #expect(x.dynamicPool?.minimumSize == y.dynamicPool?.minimumSize, sourceLocation: sourceLocation)
        #expect(x.dynamicPool?.alignment == y.dynamicPool?.alignment, sourceLocation: sourceLocation)
        #expect(x.physicalAddressWidth == y.physicalAddressWidth, sourceLocation: sourceLocation)
        #expect(x.grants == y.grants, sourceLocation: sourceLocation)
    }
    #expect(a.mediatek?.carveout == b.mediatek?.carveout, sourceLocation: sourceLocation)
    #expect(a.mediatek?.dynamicRegion == b.mediatek?.dynamicRegion, sourceLocation: sourceLocation)
    #expect(a.mediatek?.grant == b.mediatek?.grant, sourceLocation: sourceLocation)
    #expect((a.hypervisor == nil) == (b.hypervisor == nil), sourceLocation: sourceLocation)
    #expect(a.hypervisor?.receivers == b.hypervisor?.receivers, sourceLocation: sourceLocation)
    #expect(a.hypervisor?.heapName == b.hypervisor?.heapName, sourceLocation: sourceLocation)
    #expect(a.hypervisor?.heapReceiver == b.hypervisor?.heapReceiver, sourceLocation: sourceLocation)
    #expect(a.reservedRegions == b.reservedRegions, sourceLocation: sourceLocation)
    #expect(a.gpu == b.gpu, sourceLocation: sourceLocation)
    #expect(a.reservedRanges == b.reservedRanges, sourceLocation: sourceLocation)
}
