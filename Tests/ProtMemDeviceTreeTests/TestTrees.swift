import ProtMemDeviceTree

/// A small tree that exercises every feature the readers care about
/// (aliases, phandles, inherited cell sizes, ranges, status) without needing
/// the shared data.
enum TestTrees {
    static let board: DeviceTree = {
        let root = DeviceTreeNode(
            name: "",
            properties: [
                DeviceTreeProperty(name: "#address-cells", cells: [2]),
                DeviceTreeProperty(name: "#size-cells", cells: [2]),
                DeviceTreeProperty(name: "compatible", strings: ["protmem,test-board", "protmem,base"]),
                DeviceTreeProperty(name: "model", string: "ProtMem test board"),
            ],
            children: [
                DeviceTreeNode(name: "aliases", properties: [
                    DeviceTreeProperty(name: "serial0", string: "/soc/serial@fe650000"),
                    DeviceTreeProperty(name: "gpu", string: "/soc/gpu@fb000000"),
                    DeviceTreeProperty(name: "soc", string: "/soc"),
                ]),
                DeviceTreeNode(name: "chosen", properties: [
                    DeviceTreeProperty(name: "bootargs", string: "console=ttyS2,1500000"),
                ]),
                DeviceTreeNode(name: "memory@0", properties: [
                    DeviceTreeProperty(name: "device_type", string: "memory"),
                    DeviceTreeProperty(name: "reg", cells: [0x0, 0x0, 0x0, 0x8000_0000, 0x1, 0x0, 0x0, 0x4000_0000]),
                ]),
                DeviceTreeNode(
                    name: "reserved-memory",
                    properties: [
                        DeviceTreeProperty(name: "#address-cells", cells: [2]),
                        DeviceTreeProperty(name: "#size-cells", cells: [2]),
                        DeviceTreeProperty(name: "ranges"),
                    ],
                    children: [
                        DeviceTreeNode(name: "secure@8000000", properties: [
                            DeviceTreeProperty(name: "reg", cells: [0x0, 0x0800_0000, 0x0, 0x0100_0000]),
                            DeviceTreeProperty(name: "no-map"),
                            DeviceTreeProperty(name: "phandle", cells: [5]),
                        ]),
                    ]),
                DeviceTreeNode(
                    name: "soc",
                    properties: [
                        DeviceTreeProperty(name: "compatible", string: "simple-bus"),
                        DeviceTreeProperty(name: "#address-cells", cells: [1]),
                        DeviceTreeProperty(name: "#size-cells", cells: [1]),
                        DeviceTreeProperty(name: "ranges", cells: [0xf000_0000, 0x0, 0xf000_0000, 0x1000_0000]),
                    ],
                    children: [
                        DeviceTreeNode(name: "gpu@fb000000", properties: [
                            DeviceTreeProperty(name: "compatible", strings: ["rockchip,rk3588-mali", "arm,mali-valhall-csf"]),
                            DeviceTreeProperty(name: "reg", cells: [0xfb00_0000, 0x0020_0000]),
                            DeviceTreeProperty(name: "status", string: "okay"),
                            DeviceTreeProperty(name: "linux,phandle", cells: [7]),
                        ]),
                        DeviceTreeNode(name: "serial@fe650000", properties: [
                            DeviceTreeProperty(name: "reg", cells: [0xfe65_0000, 0x100]),
                            DeviceTreeProperty(name: "status", string: "disabled"),
                            DeviceTreeProperty(name: "phandle", cells: [9]),
                        ]),
                        DeviceTreeNode(name: "serial@fe660000", properties: [
                            DeviceTreeProperty(name: "reg", cells: [0xfe66_0000, 0x100]),
                            DeviceTreeProperty(name: "status", string: "ok"),
                        ]),
                        // No cell sizes of its own: its child's reg is read
                        // with soc's 1/1, as the kernel's of_n_addr_cells does.
                        DeviceTreeNode(
                            name: "i2c@fea90000",
                            properties: [DeviceTreeProperty(name: "reg", cells: [0xfea9_0000, 0x1000])],
                            children: [
                                DeviceTreeNode(name: "eeprom@50", properties: [
                                    DeviceTreeProperty(name: "reg", cells: [0x50, 0x100]),
                                ]),
                            ]),
                    ]),
            ])
        return DeviceTree(
            root: root,
            memoryReservations: [
                MemoryReservation(address: 0x0800_0000, size: 0x0100_0000),
                MemoryReservation(address: 0x1_0000, size: 0x2000),
            ],
            bootCPUIDPhys: 0x100)
    }()

    static var boardBlob: [UInt8] { FlattenedDeviceTree.serialize(board) }
}

/// Hand-assembles blobs byte by byte, for malformed cases a writer of valid
/// trees cannot produce.
struct RawBlob {
    var version: UInt32 = 17
    var lastCompatibleVersion: UInt32 = 16
    var reservations: [(address: UInt64, size: UInt64)] = []
    var structure: [UInt8] = []
    var strings: [UInt8] = []

    var headerSize: Int { version >= 17 ? 40 : 36 }
    var reservationOffset: Int { (headerSize + 7) & ~7 }
    var structureOffset: Int { reservationOffset + (reservations.count + 1) * 16 }
    var stringsOffset: Int { structureOffset + structure.count }

    func build() -> [UInt8] {
        var blob: [UInt8] = []
        let total = stringsOffset + strings.count
        var header: [UInt32] = [
            0xd00d_feed, UInt32(total), UInt32(structureOffset), UInt32(stringsOffset),
            UInt32(reservationOffset), version, lastCompatibleVersion, 0, UInt32(strings.count),
        ]
        if version >= 17 { header.append(UInt32(structure.count)) }
        for word in header { blob.appendWord(word) }
        while blob.count < reservationOffset { blob.append(0) }
        for entry in reservations {
            blob.appendWord(UInt32(truncatingIfNeeded: entry.address >> 32))
            blob.appendWord(UInt32(truncatingIfNeeded: entry.address))
            blob.appendWord(UInt32(truncatingIfNeeded: entry.size >> 32))
            blob.appendWord(UInt32(truncatingIfNeeded: entry.size))
        }
        blob.append(contentsOf: [UInt8](repeating: 0, count: 16))
        blob.append(contentsOf: structure)
        blob.append(contentsOf: strings)
        return blob
    }
}

/// Structure-block assembly helpers for `RawBlob`.
extension [UInt8] {
    mutating func appendWord(_ word: UInt32) {
        append(UInt8(truncatingIfNeeded: word >> 24))
        append(UInt8(truncatingIfNeeded: word >> 16))
        append(UInt8(truncatingIfNeeded: word >> 8))
        append(UInt8(truncatingIfNeeded: word))
    }

    mutating func beginNode(_ name: String) {
        appendWord(1)
        append(contentsOf: name.utf8)
        append(0)
        while count % 4 != 0 { append(0) }
    }

    mutating func property(nameOffset: UInt32, value: [UInt8]) {
        appendWord(3)
        appendWord(UInt32(value.count))
        appendWord(nameOffset)
        append(contentsOf: value)
        while count % 4 != 0 { append(0) }
    }

    mutating func endNode() { appendWord(2) }
    mutating func end() { appendWord(9) }

    func word(at offset: Int) -> UInt32 {
        self[offset..<(offset + 4)].reduce(0) { ($0 << 8) | UInt32($1) }
    }

    mutating func setWord(_ word: UInt32, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: word >> 24)
        self[offset + 1] = UInt8(truncatingIfNeeded: word >> 16)
        self[offset + 2] = UInt8(truncatingIfNeeded: word >> 8)
        self[offset + 3] = UInt8(truncatingIfNeeded: word)
    }
}
