import Foundation
import ProtMemBoard
import ProtMemDeviceTree
import ProtMemMemory
import ProtMemTestSupport
import Testing

/// Every real blob in ../shared/data/dtb builds a board, or fails with a specific error.
@Suite struct RealBoardTests {
    enum Outcome: Equatable {
        /// The heaps the built board registers, and whether it has OP-TEE.
        case builds(heaps: [String], optee: Bool)
        /// The node at fault and words of the reason.
        case fails(path: String, saying: String)
    }

    /// What each Linux 6.12 blob yields. The RK3588 blobs carry no memory node (U-Boot adds
    /// one at boot); mt8192-asurada's placeholder memory node (2 GiB) ends where its wifi
    /// bounce pool begins.
    static let expected: [String: Outcome] = [
        "imx95-19x19-evk.dtb": .builds(heaps: ["system", "linux,cma"], optee: false),
        "mt8186-evb.dtb": .builds(heaps: ["system"], optee: false),
        "mt8188-evb.dtb": .builds(heaps: ["system"], optee: false),
        "mt8192-asurada-hayato-r1.dtb": .fails(path: "/reserved-memory/wifi@c0000000", saying: "lies outside DRAM"),
        "mt8192-asurada-spherion-r0.dtb": .fails(path: "/reserved-memory/wifi@c0000000", saying: "lies outside DRAM"),
        "mt8195-cherry-tomato-r2.dtb": .builds(heaps: ["system"], optee: false),
        "mt8195-demo.dtb": .builds(heaps: ["system"], optee: true),
        "mt8195-evb.dtb": .builds(heaps: ["system"], optee: false),
        "mt8390-genio-700-evk.dtb": .builds(heaps: ["system"], optee: true),
        "mt8395-genio-1200-evk.dtb": .builds(heaps: ["system"], optee: true),
        "rk3588-evb1-v10.dtb": .fails(path: "/", saying: "no memory"),
        "rk3588-nanopc-t6.dtb": .fails(path: "/", saying: "no memory"),
        "rk3588-orangepi-5-plus.dtb": .fails(path: "/", saying: "no memory"),
        "rk3588-rock-5b.dtb": .fails(path: "/", saying: "no memory"),
        "rk3588s-orangepi-5.dtb": .fails(path: "/", saying: "no memory"),
        "rk3588s-rock-5a.dtb": .fails(path: "/", saying: "no memory"),
    ]

    @Test(.enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
    func everyRealBlobBuildsOrSaysWhy() throws {
        let blobs = SharedData.dtbFiles
        #expect(Set(blobs.map(\.lastPathComponent)) == Set(Self.expected.keys))
        for blob in blobs {
            let name = blob.lastPathComponent
            let outcome: Outcome
            do {
                let description = try BoardBuilder.build(blob: [UInt8](Data(contentsOf: blob)))
                let board = try Board(description.configuration)
                board._checkInvariants()
                // Real trees carry hundreds of devices the model has no model of.
                #expect(description.unmodelled.count > 50, "\(name)")
                outcome = .builds(heaps: board.heaps.names, optee: board.trustedOS != nil)
            } catch let error as BoardBuildError {
                outcome = .fails(path: error.path, saying: Self.expected[name].flatMap {
                    if case .fails(_, let words) = $0, error.reason.contains(words) { words } else { nil }
                } ?? error.description)
            }
            #expect(outcome == Self.expected[name], "\(name)")
        }
    }

    @Test(.enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
    func opteeFirmwareMemoryIsTheSecureWorldsAlone() throws {
        let blob = try #require(SharedData.dtbFiles.first { $0.lastPathComponent == "mt8195-demo.dtb" })
        let description = try BoardBuilder.build(blob: [UInt8](Data(contentsOf: blob)))
        let region = try #require(description.reservedMemory.first { $0.name == "optee@43200000" })
        #expect(region.kind == .firmware && region.range == PhysicalRange(checkedBase: 0x4320_0000, size: 12 << 20))
        let board = try Board(description.configuration)
        let record = try #require(board.secureMonitor.protections.first)
        #expect(record.owner == "optee@43200000" && record.readers.isEmpty && record.writers.isEmpty)
        #expect(throws: (any Error).self) { try board.bus.read(.cpuNonSecure, PhysicalRange(checkedBase: 0x4320_0000, size: 16)) }
        // 8 GiB minus the 132 MiB of reserved regions (all whole pages here).
        #expect(board.pageAllocator.totalBytes == (8 << 30) - (12 + 41 + 20 + 2 + 17 + 20) << 20)
    }

    @Test(.enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
    func rk3588BoardsBuildOnceTheBootloadersMemoryNodeIsThere() throws {
        for blob in SharedData.dtbFiles where blob.lastPathComponent.hasPrefix("rk3588") {
            var tree = try FlattenedDeviceTree.parse([UInt8](Data(contentsOf: blob)))
            tree.root.children.append(DeviceTreeNode(name: "memory@200000", properties: [
                DeviceTreeProperty(name: "device_type", string: "memory"),
                DeviceTreeProperty(name: "reg", cells: [0, 0x20_0000, 0, 0xefe0_0000]),
            ]))
            let description = try BoardBuilder.build(tree)
            // Two boards leave the GPU disabled; it is then listed, not modelled.
            if ["rk3588-orangepi-5-plus.dtb", "rk3588s-rock-5a.dtb"].contains(blob.lastPathComponent) {
                #expect(description.gpu == nil)
                #expect(description.unmodelled.contains { $0.path == "/gpu@fb000000" && $0.reason == "disabled" })
            } else {
                #expect(description.gpu?.design == GPUDesign.none, "\(blob.lastPathComponent)")
                #expect(description.gpu?.path == "/gpu@fb000000")
            }
            // TF-A's SCMI shared memory lies below the memory U-Boot reports: kept, not in DRAM.
            #expect(description.reservedMemory.map(\.name) == ["shmem@10f000"])
            #expect(description.reservedMemory.first?.isInDRAM == false)
            let board = try Board(description.configuration)
            #expect(board.heaps.names == ["system"])
            #expect(board.trustedOS != nil)
        }
    }
}
