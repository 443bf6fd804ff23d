import ProtMemDeviceTree
import Testing

@Suite("Typed readers and lookups")
struct ReaderTests {
    let tree = TestTrees.board

    @Test("cells, u32, u64, string and string list")
    func scalarReaders() throws {
        let cells = DeviceTreeProperty(name: "x", cells: [1, 0xdead_beef])
        #expect(try cells.cells() == [1, 0xdead_beef])
        #expect(try cells.u64() == 0x1_dead_beef)
        #expect(throws: DeviceTreeValueError(property: "x", expected: "4 bytes (one u32 cell)", found: "8 bytes")) {
            try cells.u32()
        }
        #expect(throws: DeviceTreeValueError.self) { try DeviceTreeProperty(name: "x", value: [1, 2, 3]).cells() }
        #expect(throws: DeviceTreeValueError.self) { try DeviceTreeProperty(name: "x", value: [1, 2, 3, 4]).u64() }

        let list = DeviceTreeProperty(name: "compatible", strings: ["a,b", "c"])
        #expect(try list.stringList() == ["a,b", "c"])
        #expect(throws: DeviceTreeValueError.self) { try list.string() }
        #expect(try DeviceTreeProperty(name: "s", string: "okay").string() == "okay")
        #expect(throws: DeviceTreeValueError.self) { try DeviceTreeProperty(name: "s", value: Array("abc".utf8)).string() }
        #expect(try DeviceTreeProperty(name: "empty").stringList() == [])
    }

    @Test("paths: full, short names, aliases, ambiguity")
    func paths() throws {
        #expect(tree.locate("/")?.node.name == "")
        #expect(tree.node(atPath: "/soc/gpu@fb000000")?.name == "gpu@fb000000")
        #expect(tree.node(atPath: "/soc/gpu")?.name == "gpu@fb000000")
        #expect(tree.node(atPath: "//soc///gpu/")?.name == "gpu@fb000000")
        #expect(tree.node(atPath: "/memory")?.name == "memory@0")
        // Two serial@ children: the short name is ambiguous.
        #expect(tree.node(atPath: "/soc/serial") == nil)
        #expect(tree.node(atPath: "/soc/serial@fe660000") != nil)
        #expect(tree.node(atPath: "/soc/gpu@fb000001") == nil)
        #expect(tree.node(atPath: "/nope") == nil)

        #expect(tree.locate("gpu")?.path == "/soc/gpu@fb000000")
        #expect(tree.locate("serial0")?.path == "/soc/serial@fe650000")
        #expect(tree.locate("soc/i2c/eeprom@50")?.path == "/soc/i2c@fea90000/eeprom@50")
        #expect(tree.locate("nosuchalias") == nil)
        #expect(tree.locate("") == nil)
    }

    @Test("phandle and legacy linux,phandle")
    func phandles() throws {
        #expect(tree.locate(phandle: 5)?.path == "/reserved-memory/secure@8000000")
        #expect(tree.locate(phandle: 7)?.path == "/soc/gpu@fb000000")
        #expect(tree.node(withPhandle: 9)?.name == "serial@fe650000")
        #expect(tree.locate(phandle: 0) == nil)
        #expect(tree.locate(phandle: 0xffff_ffff) == nil)
        #expect(tree.locate(phandle: 42) == nil)
    }

    @Test("status: okay, ok and absent are enabled")
    func status() throws {
        #expect(tree.node(atPath: "/soc/gpu")?.isEnabled == true)
        #expect(tree.node(atPath: "/soc/serial@fe650000")?.isEnabled == false)
        #expect(tree.node(atPath: "/soc/serial@fe660000")?.isEnabled == true)
        #expect(tree.node(atPath: "/chosen")?.isEnabled == true)
        #expect(tree.node(atPath: "/soc/serial@fe650000")?.status == "disabled")
        var odd = DeviceTreeNode(name: "odd")
        odd.properties = [DeviceTreeProperty(name: "status", value: [0x6f, 0x6b])] // "ok" without NUL
        #expect(!odd.isEnabled)
    }

    @Test("reg uses the nearest ancestor's cell sizes, root defaults otherwise")
    func reg() throws {
        let memory = try #require(tree.locate("/memory@0"))
        #expect(try memory.regCellSizes() == DeviceTreeCellSizes(addressCells: 2, sizeCells: 2))
        let banks = try #require(try memory.reg())
        #expect(banks.map(\.address.value) == [0, 0x1_0000_0000])
        #expect(banks.map(\.size.value) == [0x8000_0000, 0x4000_0000])

        let gpu = try #require(tree.locate("/soc/gpu"))
        #expect(try gpu.reg() == [DeviceTreeRegion(
            address: DeviceTreeNumber(cells: [0xfb00_0000]), size: DeviceTreeNumber(cells: [0x20_0000]))])

        // i2c declares no cell sizes; eeprom's reg uses soc's 1/1 (kernel rule).
        let eeprom = try #require(tree.locate("/soc/i2c@fea90000/eeprom@50"))
        #expect(try eeprom.regCellSizes() == DeviceTreeCellSizes(addressCells: 1, sizeCells: 1))
        #expect(try eeprom.reg()?.first?.address.value == 0x50)

        // A tree without any #address-cells uses the root defaults 2/1.
        let bare = DeviceTree(root: DeviceTreeNode(name: "", children: [
            DeviceTreeNode(name: "dev@1", properties: [DeviceTreeProperty(name: "reg", cells: [0, 1, 0x10])]),
        ]))
        let device = try #require(bare.locate("/dev@1"))
        #expect(try device.regCellSizes() == DeviceTreeCellSizes.rootDefault)
        #expect(try device.reg()?.first?.address.value == 1)
        #expect(try device.reg()?.first?.size.value == 0x10)
        // Read with other cell sizes the same bytes do not divide into entries.
        #expect(throws: DeviceTreeValueError.self) {
            try bare.locate("/dev")?.node.property(named: "reg")?.reg(addressCells: 1, sizeCells: 1)
        }
    }

    @Test("reg with a length that is not a whole number of entries throws")
    func badReg() throws {
        let property = DeviceTreeProperty(name: "reg", cells: [1, 2, 3])
        #expect(throws: DeviceTreeValueError.self) { try property.reg(addressCells: 2, sizeCells: 2) }
        #expect(throws: DeviceTreeValueError.self) { try property.reg(addressCells: 5, sizeCells: 1) }
        #expect(throws: DeviceTreeValueError.self) { try property.reg(addressCells: 0, sizeCells: 0) }
        #expect(try DeviceTreeProperty(name: "reg").reg(addressCells: 0, sizeCells: 0) == [])
        let wide = DeviceTreeNumber(cells: [1, 0, 0])
        #expect(wide.value == nil)
        #expect(DeviceTreeNumber(cells: [0, 2, 3]).value == 0x2_0000_0003)
        #expect(DeviceTreeNumber(cells: []).value == 0)
    }

    @Test("ranges: child cells from the node, parent cells from above")
    func ranges() throws {
        let soc = try #require(tree.locate("/soc"))
        let windows = try #require(try soc.ranges())
        #expect(windows == [DeviceTreeRange(
            childAddress: DeviceTreeNumber(cells: [0xf000_0000]),
            parentAddress: DeviceTreeNumber(cells: [0, 0xf000_0000]),
            size: DeviceTreeNumber(cells: [0x1000_0000]))])
        #expect(try tree.locate("/reserved-memory")?.ranges() == [])
        #expect(try tree.locate("/chosen")?.ranges() == nil)
    }

    @Test("node names split into base name and unit address")
    func names() throws {
        let gpu = DeviceTreeNode(name: "gpu@fb000000")
        #expect(gpu.baseName == "gpu")
        #expect(gpu.unitAddress == "fb000000")
        #expect(DeviceTreeNode(name: "chosen").unitAddress == nil)
        var paths: [String] = []
        tree.root.walk { path, _ in
            paths.append(path)
            return true
        }
        #expect(paths.contains("/soc/i2c@fea90000/eeprom@50"))
        #expect(paths.first == "/")
    }
}
