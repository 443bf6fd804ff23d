/// Serialises a `DeviceTree` into a version 17 blob laid out as dtc lays it
/// out: header, memory reservations (8-aligned), structure block, strings.
///
/// Matching dtc's layout (rather than merely a valid one) keeps blobs
/// diff-able against dtc output and keeps `last_comp_version` at 16 so any
/// v16-capable loader still accepts the result.
extension FlattenedDeviceTree {
    /// Version and `last_comp_version` written into every blob.
    public static let writtenVersion: UInt32 = 17
    public static let writtenLastCompatibleVersion: UInt32 = 16

    /// Writes `tree` as a DTB.
    ///
    /// Reservations of size 0 are left out: the format reads a zero size as
    /// the end of the list, so writing one would silently drop every later
    /// entry. Names must not contain NUL (the format's terminator), and the
    /// whole blob must stay under 2 GiB, libfdt's limit.
    public static func serialize(_ tree: DeviceTree) -> [UInt8] {
        var structure = FDTBlobBuffer()
        var strings = FDTStringTable()
        emit(tree.root, into: &structure, strings: &strings)
        structure.appendWord(FDTToken.end.rawValue)

        let reservations = tree.memoryReservations.filter { $0.size != 0 }
        let reservationOffset = FDTHeader.version17Size // already a multiple of 8
        let reservationSize = (reservations.count + 1) * FDTMemoryReservationReader.entrySize
        let structureOffset = reservationOffset + reservationSize
        let stringsOffset = structureOffset + structure.bytes.count
        let totalSize = stringsOffset + strings.bytes.count
        precondition(totalSize <= FDTHeader.maximumTotalSize, "device tree too large for the FDT format")

        var blob = FDTBlobBuffer(capacity: totalSize)
        for word in [
            FDTHeader.magic, UInt32(totalSize), UInt32(structureOffset), UInt32(stringsOffset),
            UInt32(reservationOffset), writtenVersion, writtenLastCompatibleVersion,
            tree.bootCPUIDPhys, UInt32(strings.bytes.count), UInt32(structure.bytes.count),
        ] {
            blob.appendWord(word)
        }
        for entry in reservations {
            blob.appendDoubleWord(entry.address)
            blob.appendDoubleWord(entry.size)
        }
        blob.appendDoubleWord(0)
        blob.appendDoubleWord(0)
        blob.bytes.append(contentsOf: structure.bytes)
        blob.bytes.append(contentsOf: strings.bytes)
        return blob.bytes
    }

    private static func emit(_ node: DeviceTreeNode, into out: inout FDTBlobBuffer, strings: inout FDTStringTable) {
        out.appendWord(FDTToken.beginNode.rawValue)
        out.bytes.append(contentsOf: node.name.utf8)
        out.bytes.append(0)
        out.padToWord()
        for property in node.properties {
            out.appendWord(FDTToken.property.rawValue)
            out.appendWord(UInt32(property.value.count))
            out.appendWord(strings.offset(of: property.name))
            out.bytes.append(contentsOf: property.value)
            out.padToWord()
        }
        for child in node.children {
            emit(child, into: &out, strings: &strings)
        }
        out.appendWord(FDTToken.endNode.rawValue)
    }
}

/// Growable big-endian output buffer.
struct FDTBlobBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    mutating func appendWord(_ word: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: word >> shift)) }
    }

    mutating func appendDoubleWord(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }

    /// Zero-fills to the next 4-byte boundary, where the next token must start.
    mutating func padToWord() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }
}

/// Strings block built the way dtc builds it: a name is appended only when
/// it does not already occur as a NUL-terminated suffix of an earlier entry
/// ("phandle" reuses the tail of "linux,phandle"), and otherwise names go in
/// first-use order. Doing exactly what dtc does makes a rewrite of a
/// dtc-built blob byte-identical to it.
struct FDTStringTable {
    var bytes: [UInt8] = []
    /// Every suffix of every stored name, mapped to its earliest offset.
    /// Keyed by bytes, not `String`, because dtc compares bytes and Swift's
    /// string equality would merge canonically equivalent names.
    private var offsets: [[UInt8]: UInt32] = [:]

    mutating func offset(of name: String) -> UInt32 {
        let utf8 = Array(name.utf8)
        if let known = offsets[utf8] { return known }
        let start = UInt32(bytes.count)
        bytes.append(contentsOf: utf8)
        bytes.append(0)
        for suffixStart in 0...utf8.count {
            let suffix = Array(utf8[suffixStart...])
            if offsets[suffix] == nil {
                offsets[suffix] = start + UInt32(suffixStart)
            }
        }
        return start
    }
}
