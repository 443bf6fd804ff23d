import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

@Suite("Serialize round trips")
struct RoundTripTests {
    // Needs both the shared blobs and dtc; without either the test is reported as
    // skipped, with the reason.
    @Test(
        "dtc prints identical source for original and rewritten blobs",
        .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"),
        .enabled(if: DTC.isAvailable(), "dtc not installed"))
    func dtcTextMatchesForEveryBlob() throws {
        let files = SharedData.dtbFiles
        #expect(!files.isEmpty)
        for file in files {
            let original = try SharedData.bytes(of: file)
            let tree = try FlattenedDeviceTree.parse(original)
            let rewritten = FlattenedDeviceTree.serialize(tree)

            let expected = try DTC.decompile(file)
            let actual = try DTC.decompile(bytes: rewritten)
            #expect(!expected.isEmpty)
            #expect(actual == expected, "dtc text differs for \(file.lastPathComponent)")

            // The shared blobs are unmodified dtc output (kernel build), and
            // the writer follows dtc's layout and string sharing exactly.
            #expect(rewritten == original, "\(file.lastPathComponent) is not rewritten byte for byte")

            // The rewrite is itself a fixed point of parse + serialize.
            let reparsed = try FlattenedDeviceTree.parse(rewritten)
            #expect(reparsed == tree, "\(file.lastPathComponent)")
            #expect(FlattenedDeviceTree.serialize(reparsed) == rewritten, "\(file.lastPathComponent)")
        }
    }

    @Test("hand-built tree survives serialize + parse unchanged")
    func handBuiltTree() throws {
        let blob = TestTrees.boardBlob
        let tree = try FlattenedDeviceTree.parse(blob)
        #expect(tree == TestTrees.board)
        #expect(tree.memoryReservations.count == 2)
        #expect(tree.bootCPUIDPhys == 0x100)
    }

    @Test("writer uses dtc's layout: header, 8-aligned rsvmap, struct, strings")
    func writerLayout() throws {
        let blob = TestTrees.boardBlob
        let header = try FlattenedDeviceTree.header(of: blob)
        #expect(header.version == 17)
        #expect(header.lastCompatibleVersion == 16)
        #expect(header.memoryReservationOffset == 40)
        #expect(header.structureOffset == 40 + 3 * 16)
        #expect(header.stringsOffset == header.structureOffset + (header.structureSize ?? 0))
        #expect(Int(header.totalSize) == blob.count)
        #expect(header.stringsOffset + header.stringsSize == header.totalSize)

        // Each property name appears once in the strings block.
        let strings = blob[Int(header.stringsOffset)...].split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        #expect(strings.count == Set(strings).count)
        #expect(strings.filter { $0 == "reg" }.count == 1)
    }

    @Test("names that are a suffix of an earlier name share its bytes, as in dtc")
    func suffixSharing() throws {
        let tree = DeviceTree(root: DeviceTreeNode(name: "", properties: [
            DeviceTreeProperty(name: "linux,phandle", cells: [1]),
            DeviceTreeProperty(name: "phandle", cells: [1]),
            DeviceTreeProperty(name: "handle", cells: [1]),
            DeviceTreeProperty(name: "e"),
            DeviceTreeProperty(name: "linux,phandle", cells: [2]),
        ]))
        let blob = FlattenedDeviceTree.serialize(tree)
        let header = try FlattenedDeviceTree.header(of: blob)
        #expect(Array(blob[Int(header.stringsOffset)...]) == Array("linux,phandle\0".utf8))
        #expect(try FlattenedDeviceTree.parse(blob) == tree)
    }

    @Test("zero-size reservations are dropped, not written as early terminators")
    func zeroSizeReservation() throws {
        var tree = TestTrees.board
        tree.memoryReservations.insert(MemoryReservation(address: 0x1234, size: 0), at: 0)
        let reparsed = try FlattenedDeviceTree.parse(FlattenedDeviceTree.serialize(tree))
        #expect(reparsed.memoryReservations == TestTrees.board.memoryReservations)
    }

    @Test(
        "dtc reads the hand-built blob with its reservations",
        .enabled(if: DTC.isAvailable(), "dtc not installed"))
    func dtcReadsHandBuiltBlob() throws {
        let text = try DTC.decompile(bytes: TestTrees.boardBlob)
        #expect(text.contains("/memreserve/\t0x0000000008000000 0x0000000001000000;"))
        #expect(text.contains("gpu@fb000000 {"))
        #expect(text.contains("compatible = \"rockchip,rk3588-mali\\0arm,mali-valhall-csf\";"))
    }

    @Test(
        "libfdt (through fdtget) reads the hand-built blob like this module does",
        .enabled(if: DTC.isAvailable(), "dtc tools not installed"))
    func libfdtReadsHandBuiltBlob() throws {
        let blob = TestTrees.boardBlob
        // Short name without unit address, as fdt_path_offset allows.
        #expect(try DTC.fdtgetHex(bytes: blob, node: "/soc/gpu", property: "reg") == "fb000000 200000")
        #expect(try DTC.fdtgetHex(bytes: blob, node: "/soc/i2c@fea90000/eeprom", property: "reg") == "50 100")
        // Alias as the first path component.
        #expect(try DTC.fdtgetHex(bytes: blob, node: "serial0", property: "phandle") == "9")
    }
}
