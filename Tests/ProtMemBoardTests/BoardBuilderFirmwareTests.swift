import ProtMemBoard
import ProtMemDeviceTree
import ProtMemMemory
import ProtMemSecureWorld
import Testing

/// OP-TEE's node and MediaTek's regions configure the secure world.
@Suite struct BoardBuilderFirmwareTests {
    typealias T = TestTree

    static let pool = T.node("optee-protmem@a4000000", [T.reg((0xa400_0000, 0x400_0000)), T.flag("no-map"), T.cells("phandle", 0x30)])
    static let cma = T.node("linux,cma", [T.strings("compatible", "shared-dma-pool"), T.reg((0xa800_0000, 0x1000_0000)),
                                          T.flag("reusable"), T.flag("linux,cma-default")])

    @Test func opteeWithAStaticPoolRegistersSecureVideo() throws {
        let tree = T.board(reserved: [Self.pool], [T.optee([T.cells("protmem,static-pool", 0x30)])])
        let description = try BoardBuilder.build(tree)
        #expect(description.trustedOS == TrustedOSNode(path: "/firmware/optee", method: "smc"))
        #expect(description.configuration.optee?.staticPool?.range == PhysicalRange(checkedBase: 0xa400_0000, size: 64 << 20))
        #expect(description.reservedMemory.first?.kind == .opteeStaticPool)
        let board = try Board(description.configuration)
        #expect(board.heapSummaries.map(\.kind) == ["system", "optee-static"])
        #expect(board.heaps.names == ["system", "protected,secure-video"])
    }

    @Test func opteeWithADynamicPoolLendsFromCMA() throws {
        let tree = T.board(reserved: [Self.cma], [T.optee([T.u64("protmem,dynamic-pool-min-size", 32 << 20)])])
        let description = try BoardBuilder.build(tree)
        #expect(description.configuration.optee?.dynamicPool?.minimumSize == 32 << 20)
        #expect(description.configuration.optee?.dynamicPool?.alignment == pageSize)
        #expect(try Board(description.configuration).heapSummaries.map(\.kind) == ["system", "cma", "optee-dynamic"])
    }

    @Test func opteeWithoutProtectedMemoryIsStillATEE() throws {
        let board = try Board(BoardBuilder.build(T.board([T.optee()])).configuration)
        #expect(board.trustedOS != nil && board.teeHeaps.isEmpty)
        #expect(board.heaps.names == ["system"])
    }

    @Test func opteeErrorsNameTheProperty() throws {
        let noMethod = T.board([T.node("firmware", [], [T.node("optee", [T.strings("compatible", "linaro,optee-tz")])])])
        #expect(try #require(buildError(noMethod)).description.hasPrefix("/firmware/optee: property \"method\": missing"))
        let badMethod = T.board([T.node("firmware", [], [T.node("optee", [T.strings("compatible", "linaro,optee-tz"), T.strings("method", "svc")])])])
        #expect(try #require(buildError(badMethod)).reason.contains("neither \"smc\" nor \"hvc\""))
        let dangling = T.board(reserved: [Self.pool], [T.optee([T.cells("protmem,static-pool", 0x31)])])
        #expect(try #require(buildError(dangling)).description == "/firmware/optee: property \"protmem,static-pool\": phandle 0x31 points to no node")
        var cma = Self.cma
        cma.properties.append(T.cells("phandle", 0x32))
        let notPlain = T.board(reserved: [cma], [T.optee([T.cells("protmem,static-pool", 0x32)])])
        #expect(try #require(buildError(notPlain)).reason.contains("a linux,cma-default region"))
        let oddSize = T.board([T.optee([T.u64("protmem,dynamic-pool-min-size", 0x1800)])])
        #expect(try #require(buildError(oddSize)).property == "protmem,dynamic-pool-min-size")
        let shortSize = T.board([T.optee([T.cells("protmem,dynamic-pool-min-size", 0x100_0000)])])
        #expect(try #require(buildError(shortSize)).reason.contains("8 bytes"))
    }

    @Test func mediatekRegionsConfigureTheSecureMemoryTA() throws {
        let secmem = T.node("secmem@a2000000", [T.strings("compatible", "protmem,mtk-secmem"), T.reg((0xa200_0000, 0x200_0000)), T.flag("no-map"),
                                                T.strings("protmem,readers", "codec", "display"), T.strings("protmem,writers", "codec")])
        let dynamic = T.node("restricted@9e000000", [T.strings("compatible", "mediatek,dynamic-restricted-region"),
                                                     T.reg((0x9e00_0000, 0x400_0000)), T.flag("reusable")])
        let description = try BoardBuilder.build(T.board(reserved: [secmem, dynamic], [T.optee()]))
        let mediatek = try #require(description.configuration.mediatek)
        #expect(mediatek.carveout == PhysicalRange(checkedBase: 0xa200_0000, size: 32 << 20))
        #expect(mediatek.dynamicRegion == PhysicalRange(checkedBase: 0x9e00_0000, size: 64 << 20))
        #expect(mediatek.grant == OPTEEConfiguration.Grant(readers: [.codec, .display], writers: [.codec]))
        let board = try Board(description.configuration)
        #expect(board.heaps.names == ["system", "restricted_mtk_cm", "restricted_mtk_cma"])

        let withoutTEE = try #require(buildError(T.board(reserved: [secmem])))
        #expect(withoutTEE.path == "/reserved-memory/secmem@a2000000")
        #expect(withoutTEE.reason.contains("no enabled linaro,optee-tz node"))
    }
}
