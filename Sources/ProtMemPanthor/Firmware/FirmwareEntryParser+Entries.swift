extension EntryParser {
    /// panthor_fw_load_section_entry's checks, in its order.
    mutating func parseSection(
        body: Range<Int>, location: FirmwareImageError.Location
    ) throws(FirmwareImageError) -> FirmwareEntry.Disposition {
        func fail(_ field: Int, _ rule: FirmwareRule) -> FirmwareImageError {
            FirmwareImageError(entry: location, offset: body.lowerBound + field, rule: rule)
        }
        guard body.count >= 20 else { throw fail(0, .interfaceEntryTooShort(bodySize: body.count)) }
        let file = self.file
        func word(_ field: Int) -> UInt32 { file.littleEndianWord(at: body.lowerBound + field) }
        let flags = FirmwareSectionFlags(rawValue: word(0))
        let vaStart = word(4), vaEnd = word(8), dataStart = word(12), dataEnd = word(16)

        guard dataEnd >= dataStart else { throw fail(16, .dataRangeReversed(start: dataStart, end: dataEnd)) }
        guard vaEnd >= vaStart else { throw fail(8, .virtualRangeReversed(start: vaStart, end: vaEnd)) }
        guard Int(dataEnd) <= file.count else { throw fail(16, .dataOutsideFile(end: dataEnd, fileSize: file.count)) }
        let pageMask = UInt32(GPUAddressSpaceLayout.pageSize - 1)
        guard vaStart & pageMask == 0, vaEnd & pageMask == 0 else {
            throw fail(vaStart & pageMask == 0 ? 8 : 4, .virtualRangeNotPageAligned(start: vaStart, end: vaEnd))
        }
        guard flags.unsupportedBits == 0 else { throw fail(0, .unsupportedSectionFlags(flags)) }

        let isProtected = flags.contains(.protected)
        let section = FirmwareSection(
            index: isProtected && policy == .ignore ? ignoredProtectedSections.count : sections.count,
            entryIndex: location.index, entryOffset: location.offset, flags: flags,
            va: vaStart..<vaEnd, data: dataStart..<dataEnd, name: Array(file[(body.lowerBound + 20)..<body.upperBound])
        )
        if isProtected && policy == .ignore {
            ignoredProtectedSections.append(section)
            return .ignoredProtectedSection
        }
        let sharedStart = UInt32(GPUAddressSpaceLayout.mcuSharedRegionStart)
        guard vaStart != sharedStart || flags.contains(.shared) else {
            throw fail(0, .sharedRegionNotShared(flags: flags))
        }
        if vaStart == sharedStart { sharedSectionIndex = sections.count }
        sections.append(section)
        return .section(index: section.index)
    }

    /// panthor_fw_read_build_info: fatal only when the entry cannot hold its own header.
    mutating func parseBuildInfo(
        body: Range<Int>, location: FirmwareImageError.Location
    ) throws(FirmwareImageError) -> FirmwareEntry.Disposition {
        guard body.count >= 8 else {
            throw FirmwareImageError(
                entry: location, offset: body.lowerBound, rule: .buildInfoEntryTooShort(bodySize: body.count)
            )
        }
        let metaStart = file.littleEndianWord(at: body.lowerBound)
        let metaSize = file.littleEndianWord(at: body.lowerBound + 4)
        buildInfo.append(FirmwareBuildInfo(
            entryIndex: location.index, entryOffset: location.offset, metaStart: metaStart, metaSize: metaSize,
            status: FirmwareBuildInfo.interpret(metaStart: metaStart, metaSize: metaSize, in: file)
        ))
        return .buildInfo(index: buildInfo.count - 1)
    }
}
