extension FirmwareImage {
    /// Parses an image with panthor's checks, in panthor's order, so that the first rule an
    /// image breaks is the one the kernel would report.
    ///
    /// - Complexity: O(n) in the number of entries; section data is not copied.
    public static func parse(
        _ bytes: [UInt8],
        protectedSections policy: ProtectedSectionPolicy = .load
    ) throws(FirmwareImageError) -> FirmwareImage {
        let header = try parseHeader(bytes)
        var parser = EntryParser(file: bytes, end: Int(header.size), policy: policy)
        while parser.offset < parser.end {
            try parser.parseEntry()
        }
        guard let shared = parser.sharedSectionIndex else {
            throw FirmwareImageError(entry: nil, offset: Int(header.size), rule: .sharedRegionMissing)
        }
        return FirmwareImage(
            bytes: bytes, header: header, entries: parser.entries, sections: parser.sections,
            ignoredProtectedSections: parser.ignoredProtectedSections, buildInfo: parser.buildInfo,
            sharedSectionIndex: shared
        )
    }

    static func parseHeader(_ bytes: [UInt8]) throws(FirmwareImageError) -> FirmwareHeader {
        typealias Field = FirmwareHeader.Field
        guard bytes.count >= FirmwareHeader.byteCount else {
            throw FirmwareImageError(entry: nil, offset: bytes.count, rule: .headerTruncated(fileSize: bytes.count))
        }
        let magic = bytes.littleEndianWord(at: Field.magic)
        guard magic == FirmwareHeader.magic else {
            throw FirmwareImageError(entry: nil, offset: Field.magic, rule: .badMagic(found: magic))
        }
        let version = FirmwareVersion(major: bytes[Field.major], minor: bytes[Field.minor])
        guard version.major == FirmwareHeader.supportedMajor else {
            throw FirmwareImageError(
                entry: nil, offset: Field.major, rule: .unsupportedMajor(major: version.major, minor: version.minor)
            )
        }
        let size = bytes.littleEndianWord(at: Field.size)
        guard Int(size) <= bytes.count else {
            throw FirmwareImageError(
                entry: nil, offset: Field.size, rule: .imageTruncated(headerSize: size, fileSize: bytes.count)
            )
        }
        return FirmwareHeader(version: version, versionHash: bytes.littleEndianWord(at: Field.versionHash), size: size)
    }
}
