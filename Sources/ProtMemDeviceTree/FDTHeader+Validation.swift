extension FDTHeader {
    /// Reads and validates the header the way libfdt's `fdt_check_header`
    /// does (version window, `totalsize` window, every block inside
    /// `[header end, totalsize]` without overflow), plus what libfdt leaves to
    /// the caller: the blob really holds `totalsize` bytes, blocks are aligned
    /// (reservations to 8, structure to 4) and the structure and strings
    /// blocks do not overlap.
    static func read(from bytes: FDTBytes) throws(DeviceTreeError) -> FDTHeader {
        /// A short blob is reported at the first header field it cuts off,
        /// so the offset always lies inside (or at the end of) the data.
        func requireHeader(upTo end: Int) throws(DeviceTreeError) {
            guard bytes.count < end else { return }
            let cut = FDTHeaderField(rawValue: bytes.count / 4 * 4) ?? .magic
            throw DeviceTreeError(
                offset: cut.rawValue,
                expected: "header field \(cut.cName) (4 bytes)",
                found: "end of data (blob is \(bytes.count) bytes)")
        }
        func field(_ field: FDTHeaderField) throws(DeviceTreeError) -> UInt32 {
            try requireHeader(upTo: field.rawValue + 4)
            return bytes.u32(at: field.rawValue, limit: bytes.count) ?? 0
        }

        let magic = try field(.magic)
        guard magic == Self.magic else {
            throw DeviceTreeError(
                offset: FDTHeaderField.magic.rawValue,
                expected: "magic \(DeviceTreeError.word(Self.magic))",
                found: DeviceTreeError.word(magic))
        }
        let lastCompatible = try field(.lastCompatibleVersion)
        let version = try field(.version)
        guard version >= Self.firstSupportedVersion else {
            throw DeviceTreeError(
                offset: FDTHeaderField.version.rawValue,
                expected: "version ≥ \(Self.firstSupportedVersion)", found: "\(version)")
        }
        guard lastCompatible <= Self.lastSupportedVersion else {
            throw DeviceTreeError(
                offset: FDTHeaderField.lastCompatibleVersion.rawValue,
                expected: "last_comp_version ≤ \(Self.lastSupportedVersion)", found: "\(lastCompatible)")
        }
        guard version >= lastCompatible else {
            throw DeviceTreeError(
                offset: FDTHeaderField.version.rawValue,
                expected: "version ≥ last_comp_version (\(lastCompatible))", found: "\(version)")
        }

        let header = FDTHeader(
            totalSize: try field(.totalSize),
            structureOffset: try field(.structureOffset),
            stringsOffset: try field(.stringsOffset),
            memoryReservationOffset: try field(.memoryReservationOffset),
            version: version,
            lastCompatibleVersion: lastCompatible,
            bootCPUIDPhys: try field(.bootCPUIDPhys),
            stringsSize: try field(.stringsSize),
            structureSize: version >= 17 ? try field(.structureSize) : nil)
        try header.validateLayout(blobLength: bytes.count)
        return header
    }

    private func validateLayout(blobLength: Int) throws(DeviceTreeError) {
        let headerSize = self.headerSize
        let total = Int(totalSize)
        guard total >= headerSize, total <= Self.maximumTotalSize else {
            throw DeviceTreeError(
                offset: FDTHeaderField.totalSize.rawValue,
                expected: "totalsize in \(headerSize)...\(DeviceTreeError.hex(Self.maximumTotalSize))",
                found: DeviceTreeError.hex(totalSize))
        }
        guard total <= blobLength else {
            throw DeviceTreeError(
                offset: blobLength,
                expected: "\(DeviceTreeError.hex(total)) bytes as totalsize says",
                found: "end of data")
        }

        /// libfdt's `check_off_`: a block may start anywhere from the end of
        /// the header up to and including `totalsize` (empty at the very end).
        func checkStart(_ offset: UInt32, _ field: FDTHeaderField, alignment: Int) throws(DeviceTreeError) {
            let start = Int(offset)
            guard start >= headerSize, start <= total else {
                throw DeviceTreeError(
                    offset: field.rawValue,
                    expected: "\(field.cName) in \(headerSize)...\(DeviceTreeError.hex(total)) (header end...totalsize)",
                    found: DeviceTreeError.hex(offset))
            }
            guard start % alignment == 0 else {
                throw DeviceTreeError(
                    offset: field.rawValue,
                    expected: "\(field.cName) aligned to \(alignment) bytes", found: DeviceTreeError.hex(offset))
            }
        }
        /// libfdt's `check_block_`: the end must also stay inside totalsize.
        func checkEnd(_ offset: UInt32, _ size: UInt32, _ field: FDTHeaderField) throws(DeviceTreeError) {
            guard let end = checkedSum(Int(offset), Int(size)), end <= total else {
                throw DeviceTreeError(
                    offset: field.rawValue,
                    expected: "\(field.cName) ≤ \(DeviceTreeError.hex(total - Int(offset))) (block inside totalsize)",
                    found: DeviceTreeError.hex(size))
            }
        }

        try checkStart(memoryReservationOffset, .memoryReservationOffset, alignment: 8)
        try checkStart(structureOffset, .structureOffset, alignment: 4)
        if let structureSize {
            try checkEnd(structureOffset, structureSize, .structureSize)
        }
        try checkStart(stringsOffset, .stringsOffset, alignment: 1)
        try checkEnd(stringsOffset, stringsSize, .stringsSize)

        if let structure = declaredStructureRange, overlaps(structure, stringsRange) {
            throw DeviceTreeError(
                offset: FDTHeaderField.stringsOffset.rawValue,
                expected: "strings block clear of structure block \(Self.describe(structure))",
                found: "strings block \(Self.describe(stringsRange))")
        }
    }

    /// Structure block as the header declares it; nil for v16, whose extent
    /// is only known after walking to `FDT_END`.
    var declaredStructureRange: Range<Int>? {
        structureSize.map { Int(structureOffset)..<(Int(structureOffset) + Int($0)) }
    }

    var stringsRange: Range<Int> {
        Int(stringsOffset)..<(Int(stringsOffset) + Int(stringsSize))
    }

    static func describe(_ range: Range<Int>) -> String {
        "[\(DeviceTreeError.hex(range.lowerBound)), \(DeviceTreeError.hex(range.upperBound)))"
    }
}

/// Empty blocks overlap nothing: an empty strings block may sit right at the
/// end of (or even at the same offset as) the structure block.
func overlaps(_ lhs: Range<Int>, _ rhs: Range<Int>) -> Bool {
    !lhs.isEmpty && !rhs.isEmpty && lhs.lowerBound < rhs.upperBound && rhs.lowerBound < lhs.upperBound
}
