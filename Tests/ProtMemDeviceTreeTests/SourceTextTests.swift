import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

/// `DeviceTree.sourceText()` against `dtc -I dtb -O dts`, character for character.
@Suite("Source text matches dtc")
struct SourceTextTests {
    @Test(
        "every shared blob", .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"),
        .enabled(if: DTC.isAvailable(), "dtc not installed"))
    func sharedBlobs() throws {
        for file in SharedData.dtbFiles {
            let tree = try FlattenedDeviceTree.parse(SharedData.bytes(of: file))
            #expect(try tree.sourceText() == DTC.decompile(file), "\(file.lastPathComponent)")
        }
    }

    @Test("values dtc types differently", .enabled(if: DTC.isAvailable(), "dtc not installed"))
    func guessedTypes() throws {
        let tree = DeviceTree(
            root: DeviceTreeNode(name: "", properties: [
                DeviceTreeProperty(name: "empty"),
                DeviceTreeProperty(name: "escapes", value: Array("a\tb\"c\\d\u{7}\u{8}\u{b}\u{c}\r\n\0x\0".utf8)),
                DeviceTreeProperty(name: "nul-heavy", value: [0x61, 0, 0, 0x62, 0]),
                DeviceTreeProperty(name: "one-nul", value: [0]),
                DeviceTreeProperty(name: "zero-cell", value: [0, 0, 0, 0]),
                DeviceTreeProperty(name: "double-nul", value: Array("ab\0\0".utf8)),
                DeviceTreeProperty(name: "utf8", value: [0xc3, 0xa9, 0]),
                DeviceTreeProperty(name: "del", value: [0x7f, 0]),
                DeviceTreeProperty(name: "cells", cells: [1, 0xdeadbeef]),
                DeviceTreeProperty(name: "odd", value: [1, 2, 3]),
            ], children: [DeviceTreeNode(name: "child@1", children: [DeviceTreeNode(name: "grandchild")])]),
            memoryReservations: [MemoryReservation(address: 0x1000, size: 0x2000)])
        let text = tree.sourceText()
        #expect(text == (try DTC.decompile(bytes: FlattenedDeviceTree.serialize(tree))))
        #expect(text.contains("\tescapes = \"a\\tb\\\"c\\\\d\\a\\b\\v\\f\\r\\n\\0x\";\n"))
        #expect(text.contains("\tnul-heavy = [61 00 00 62 00];\n"))
        #expect(text.contains("\tzero-cell = <0x00>;\n"))
        #expect(text.contains("\tcells = <0x01 0xdeadbeef>;\n"))
    }

    @Test("overlay fixtures", .enabled(if: OverlayTools.isAvailable(), "dtc/fdtoverlay not installed"))
    func overlayFixtures() throws {
        for fixture in ["fixups.dtso", "symbols.dtso", "second.dtso", "rock5b-protected.dtso"] {
            let blob = try OverlayTools.compile(fixture)
            #expect(try FlattenedDeviceTree.parse(blob).sourceText() == DTC.decompile(bytes: blob), "\(fixture)")
        }
    }
}
