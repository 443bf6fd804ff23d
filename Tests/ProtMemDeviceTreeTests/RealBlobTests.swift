import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

/// Kernel-built DTBs from `shared/data/dtb` (Linux 6.12 arm64 boards).
// Skipped, with the reason, when the shared data folder is not next to the package.
@Suite("Real device tree blobs", .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
struct RealBlobTests {
    @Test("every shared blob parses")
    func everyBlobParses() throws {
        let files = SharedData.dtbFiles
        #expect(!files.isEmpty, "no .dtb files under \(SharedData.dtbDirectory?.path ?? "?")")
        for file in files {
            let blob = try SharedData.bytes(of: file)
            do {
                let tree = try FlattenedDeviceTree.parse(blob)
                #expect(tree.version == 17, "\(file.lastPathComponent)")
                #expect(!tree.root.children.isEmpty, "\(file.lastPathComponent)")
            } catch {
                Issue.record("\(file.lastPathComponent): \(error)")
            }
        }
    }

    @Test("rock-5b GPU node: compatible and reg")
    func rock5bGPU() throws {
        let file = try #require(SharedData.dtb(named: "rk3588-rock-5b.dtb"))
        let tree = try FlattenedDeviceTree.parse(SharedData.bytes(of: file))

        let gpu = try #require(tree.locate("/gpu@fb000000"))
        #expect(gpu.node.compatible.contains("arm,mali-valhall-csf"))
        #expect(gpu.node.isCompatible(with: "rockchip,rk3588-mali"))
        #expect(gpu.node.isEnabled)

        let sizes = try gpu.regCellSizes()
        #expect(sizes == DeviceTreeCellSizes(addressCells: 2, sizeCells: 2))
        let reg = try #require(try gpu.reg())
        #expect(reg.count == 1)
        #expect(reg.first?.address.value == 0xfb00_0000)
        #expect(reg.first?.size.value == 0x20_0000)

        // The short name finds the same node, as fdt_path_offset allows.
        #expect(tree.node(atPath: "/gpu")?.name == "gpu@fb000000")
        #expect(tree.locate(compatible: "arm,mali-valhall-csf").map(\.path) == ["/gpu@fb000000"])
    }

    @Test("the shared-data lookup gives up cleanly outside the project")
    func sharedDataLookupOutsideProject() {
        #expect(SharedData.find("shared/data/dtb", startingAt: "/nonexistent/a/b/File.swift") == nil)
        #expect(SharedData.dtbDirectory?.path.hasSuffix("shared/data/dtb") == true)
    }

    @Test("rock-5b aliases and phandles resolve")
    func rock5bAliasesAndPhandles() throws {
        let file = try #require(SharedData.dtb(named: "rk3588-rock-5b.dtb"))
        let tree = try FlattenedDeviceTree.parse(SharedData.bytes(of: file))

        #expect(tree.alias("serial2") == "/serial@feb50000")
        let serial = try #require(tree.locate("serial2"))
        #expect(serial.path == "/serial@feb50000")
        #expect(serial.node.isEnabled)

        // interrupt-parent on the root names the GIC by phandle.
        let gicHandle = try #require(try tree.root.property(named: "interrupt-parent")?.u32())
        let gic = try #require(tree.locate(phandle: gicHandle))
        #expect(gic.node.property(named: "interrupt-controller") != nil)
        #expect(gic.node.phandle == gicHandle)
    }
}
