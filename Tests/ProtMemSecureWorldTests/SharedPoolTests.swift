import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

@Suite struct SharedPoolTests {
    static let boards: [(String, BoardConfiguration, String)] = [
        ("optee static", .builtinDefault, "protected,secure-video"),
        ("optee dynamic", TestBoards.opteeDynamic, "protected,secure-video"),
        ("hypervisor", TestBoards.hypervisor, "protected,secure-video"),
        ("mediatek cma", TestBoards.mediatek, "restricted_mtk_cma"),
        ("carve-out", .builtinDefault, "protected-carveout"),
    ]

    /// One protected pool serves the GPU, the codec, the display and the camera at once; each
    /// reaches it in the directions its grant allows, and the normal-world CPU faults on every
    /// page.
    @Test(arguments: boards.indices)
    func onePoolServesEveryDevice(_ index: Int) throws {
        let (_, configuration, heapName) = Self.boards[index]
        try withLeakCheckedBoard(configuration) { board in
            let heap = try #require(board.heaps.find(heapName))
            defer { board.heaps.put(heap) }
            let buffer = try board.heaps.allocate(heap, length: 16 * pageSize, fdFlags: .readWrite)
            let devices = [
                DMADevice(name: "fb000000.gpu", master: .gpuProtected),
                DMADevice(name: "fdc38100.video-codec", master: .codec),
                DMADevice(name: "fdd90000.vop", master: .display),
                DMADevice(name: "fdcb0000.isp", master: .camera),
            ]
            let attachments = try devices.map { try buffer.attach($0) }
            let tables = try attachments.map { try buffer.map($0, direction: .bidirectional) }
            #expect(buffer.attachedDevices.count == 4)
            let range = try #require(tables[1].entries.first?.range)
            // The codec decodes into it, the protected GPU and the display read it back.
            try board.bus.fill(.codec, range, with: 0x7E)
            #expect(try board.bus.privileged.read(.gpuProtected, range).allSatisfy { $0 == 0x7E })
            #expect(try board.bus.read(.display, range).allSatisfy { $0 == 0x7E })
            // Every page refuses the normal world, and the bytes stay.
            for entry in tables[0].entries {
                var page = entry.address.rawValue
                while page < entry.address.rawValue + entry.length {
                    #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(checkedBase: page, size: 1)) }
                    #expect(throws: AccessFault.self) { try board.bus.write(.cpuNonSecure, at: PhysicalAddress(page), bytes: [0]) }
                    #expect(throws: AccessFault.self) { try board.bus.read(.gpu, PhysicalRange(checkedBase: page, size: 1)) }
                    page += pageSize
                }
            }
            #expect(try board.bus.read(.display, range).allSatisfy { $0 == 0x7E })
            for (attachment, table) in zip(attachments, tables) {
                try buffer.unmap(attachment, table, direction: .bidirectional)
                try buffer.detach(attachment)
            }
            try buffer.put()
        }
    }
}
