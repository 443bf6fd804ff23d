/// Walks the entries between the image header and the header's `size`, one at a time, as
/// panthor_fw_load_entry and its helpers do.
struct EntryParser {
    let file: [UInt8]
    /// The header's `size`: entries may not run past it (section data may; it is checked
    /// against the file instead).
    let end: Int
    let policy: ProtectedSectionPolicy
    var offset = FirmwareHeader.byteCount
    var entries: [FirmwareEntry] = []
    var sections: [FirmwareSection] = []
    var ignoredProtectedSections: [FirmwareSection] = []
    var buildInfo: [FirmwareBuildInfo] = []
    var sharedSectionIndex: Int?

    init(file: [UInt8], end: Int, policy: ProtectedSectionPolicy) {
        self.file = file
        self.end = end
        self.policy = policy
    }

    mutating func parseEntry() throws(FirmwareImageError) {
        let location = FirmwareImageError.Location(index: entries.count, offset: offset)
        func fail(_ offset: Int, _ rule: FirmwareRule) -> FirmwareImageError {
            FirmwareImageError(entry: location, offset: offset, rule: rule)
        }
        guard offset + 4 <= end else { throw fail(offset, .entryHeaderTruncated(imageSize: UInt32(end))) }
        let header = FirmwareEntryHeader(rawValue: file.littleEndianWord(at: offset))
        let bodyStart = offset + 4
        // The kernel also checks the offset's alignment here; it cannot fail, since the image
        // header is 20 bytes and every accepted entry size is a multiple of 4.
        guard header.size % 4 == 0 else { throw fail(offset, .entryMisaligned(size: header.size)) }
        let remaining = end - bodyStart
        guard header.size >= 4, Int(header.size) - 4 <= remaining else {
            throw fail(offset, .entryTooLong(size: header.size, remaining: remaining))
        }
        let body = bodyStart..<(offset + Int(header.size))
        offset = body.upperBound

        let disposition: FirmwareEntry.Disposition
        switch header.type {
        case .interface:
            disposition = try parseSection(body: body, location: location)
        case .buildInfoMetadata:
            disposition = try parseBuildInfo(body: body, location: location)
        case let type where FirmwareEntryType.ignored.contains(type):
            disposition = .ignored
        case let type:
            guard header.isOptional else { throw fail(location.offset, .unsupportedEntryType(type)) }
            disposition = .skippedOptional
        }
        entries.append(FirmwareEntry(index: location.index, offset: location.offset, header: header, disposition: disposition))
    }
}
