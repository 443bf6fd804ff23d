/// Entry points for the flattened device tree (DTB) binary format.
///
/// A namespace rather than a type with state: a blob is parsed in one pass
/// into a `DeviceTree` value, and a `DeviceTree` is written back in one pass.
public enum FlattenedDeviceTree {
    /// Deepest node nesting accepted. Real trees stay under ~10 levels; the
    /// cap keeps a crafted blob from building pathological trees (and keeps
    /// the recursive writer and path walks shallow).
    public static let maximumDepth = 64

    /// Reads and validates only the header.
    public static func header(of blob: [UInt8]) throws(DeviceTreeError) -> FDTHeader {
        try FDTHeader.read(from: FDTBytes(bytes: blob))
    }

    /// Parses a version 16 or 17 blob (or any later version whose
    /// `last_comp_version` is ≤ 17). Bytes past `totalsize` are ignored, as
    /// firmware often hands over a DTB inside a larger buffer.
    ///
    /// Throws `DeviceTreeError` for anything malformed; never traps and
    /// always terminates, whatever the input.
    public static func parse(_ blob: [UInt8]) throws(DeviceTreeError) -> DeviceTree {
        try parse(FDTBytes(bytes: blob))
    }

    private static func parse(_ bytes: FDTBytes) throws(DeviceTreeError) -> DeviceTree {
        let header = try FDTHeader.read(from: bytes)
        let reservations = try FDTMemoryReservationReader.read(from: bytes, header: header)
        if let structure = header.declaredStructureRange {
            try checkReservationsClear(of: structure, name: "structure", reservations.extent)
        }
        try checkReservationsClear(of: header.stringsRange, name: "strings", reservations.extent)

        var parser = FDTStructureParser(bytes: bytes, header: header, maximumDepth: maximumDepth)
        let (root, structureEnd) = try parser.parse()
        if header.declaredStructureRange == nil {
            // v16: the structure block's extent is only known now.
            let structure = Int(header.structureOffset)..<structureEnd
            try checkReservationsClear(of: structure, name: "structure", reservations.extent)
            if overlaps(structure, header.stringsRange) {
                throw DeviceTreeError(
                    offset: FDTHeaderField.stringsOffset.rawValue,
                    expected: "strings block clear of structure block \(FDTHeader.describe(structure))",
                    found: "strings block \(FDTHeader.describe(header.stringsRange))")
            }
        }

        return DeviceTree(
            root: root,
            memoryReservations: reservations.entries,
            bootCPUIDPhys: header.bootCPUIDPhys,
            version: header.version,
            lastCompatibleVersion: header.lastCompatibleVersion)
    }

    /// Overlapping blocks would let one byte mean two things (a reservation
    /// entry that is also a token), which no writer produces and which would
    /// make a rewrite disagree with the original.
    private static func checkReservationsClear(
        of block: Range<Int>, name: String, _ reservations: Range<Int>
    ) throws(DeviceTreeError) {
        guard overlaps(block, reservations) else { return }
        throw DeviceTreeError(
            offset: FDTHeaderField.memoryReservationOffset.rawValue,
            expected: "memory reservation block clear of \(name) block \(FDTHeader.describe(block))",
            found: "reservation block \(FDTHeader.describe(reservations))")
    }
}
