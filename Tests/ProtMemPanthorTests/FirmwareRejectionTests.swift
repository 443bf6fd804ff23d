import ProtMemPanthor
import Testing

/// Hand-built images, each breaking one of panthor's rules: the error names the rule, the
/// entry (index and offset) and the byte.
@Suite("Firmware rejections")
struct FirmwareRejectionTests {
    typealias Builder = FirmwareImageBuilder

    func rejection(_ bytes: [UInt8], _ policy: ProtectedSectionPolicy = .load) -> FirmwareImageError? {
        do {
            _ = try FirmwareImage.parse(bytes, protectedSections: policy)
            return nil
        } catch {
            return error
        }
    }

    @Test func minimalImageParses() throws {
        let image = try FirmwareImage.parse(Builder.minimal().build())
        #expect(image.sections.count == 3)
        #expect(image.sharedSectionIndex == 2)
        #expect(Array(image.initialData(of: image.sections[0])) == Array(repeating: 0xa5, count: 0x100))
    }

    @Test func headerRules() {
        let good = Builder.minimal()
        let short = rejection(Array(good.build().prefix(19)))
        #expect(short == FirmwareImageError(entry: nil, offset: 19, rule: .headerTruncated(fileSize: 19)))

        var badMagic = good
        badMagic.magic = 0xc3f1_3a6f
        #expect(rejection(badMagic.build()) == FirmwareImageError(entry: nil, offset: 0, rule: .badMagic(found: 0xc3f1_3a6f)))

        var major = good
        major.major = 1
        #expect(rejection(major.build()) == FirmwareImageError(entry: nil, offset: 5, rule: .unsupportedMajor(major: 1, minor: 3)))

        var truncated = good
        truncated.size = UInt32(good.build().count + 1)
        let fileSize = good.build().count
        #expect(rejection(truncated.build())
            == FirmwareImageError(entry: nil, offset: 16, rule: .imageTruncated(headerSize: UInt32(fileSize + 1), fileSize: fileSize)))
    }

    /// Parsing stops at the header's size: entries after it are never read, even broken ones.
    @Test func entriesPastTheHeaderSizeAreNotRead() throws {
        var builder = Builder.minimal()
        let end = builder.nextEntryOffset
        builder.raw(type: 0x55, body: [1, 2, 3, 4])  // unknown, not optional: would be refused
        builder.size = UInt32(end)
        let image = try FirmwareImage.parse(builder.build())
        #expect(image.entries.count == 3)
    }

    @Test func entryHeaderRules() {
        // A header size that is not a multiple of 4 leaves a fragment too small for a header word.
        var fragment = Builder.minimal()
        let end = fragment.nextEntryOffset
        fragment.raw(type: 1, body: [])
        fragment.size = UInt32(end + 2)
        #expect(rejection(fragment.build())
            == FirmwareImageError(entry: .init(index: 3, offset: end), offset: end, rule: .entryHeaderTruncated(imageSize: UInt32(end + 2))))

        var misaligned = Builder.minimal()
        let offset = misaligned.nextEntryOffset
        misaligned.raw(type: 1, body: [0, 0, 0, 0, 0], declaredSize: 9)
        #expect(rejection(misaligned.build())
            == FirmwareImageError(entry: .init(index: 3, offset: offset), offset: offset, rule: .entryMisaligned(size: 9)))

        var zero = Builder()
        zero.raw(type: 1, body: [], declaredSize: 0)
        zero.sharedSection()
        #expect(rejection(zero.build())
            == FirmwareImageError(entry: .init(index: 0, offset: 20), offset: 20, rule: .entryTooLong(size: 0, remaining: 24)))

        var long = Builder.minimal()
        let longOffset = long.nextEntryOffset
        long.raw(type: 3, body: [0, 0, 0, 0], declaredSize: 12)
        #expect(rejection(long.build())
            == FirmwareImageError(entry: .init(index: 3, offset: longOffset), offset: longOffset, rule: .entryTooLong(size: 12, remaining: 4)))
    }

    @Test func entryTypes() throws {
        var unknown = Builder.minimal()
        let offset = unknown.nextEntryOffset
        unknown.raw(type: 5, body: [0, 0, 0, 0])
        let error = rejection(unknown.build())
        #expect(error == FirmwareImageError(
            entry: .init(index: 3, offset: offset), offset: offset, rule: .unsupportedEntryType(FirmwareEntryType(rawValue: 5))))
        #expect(error?.description.contains("Unsupported non-optional entry type") == true)

        // The same type flagged OPTIONAL is skipped; the four ignored types need no flag.
        var optional = Builder.minimal()
        optional.raw(type: 5, body: [0, 0, 0, 0], optional: true)
        for type: UInt8 in 1...4 { optional.raw(type: type, body: []) }
        let image = try FirmwareImage.parse(optional.build())
        #expect(image.entries.map(\.disposition).suffix(5) == [.skippedOptional, .ignored, .ignored, .ignored, .ignored])

        // OPTIONAL does not make a known type skippable: an OPTIONAL IFACE is still a section.
        var optionalSection = Builder.minimal()
        optionalSection.section(flags: 1, va: (0x1000, 0x2000), optional: true)
        #expect(try FirmwareImage.parse(optionalSection.build()).sections.count == 4)
    }

    @Test func interfaceRules() {
        let base = UInt32(Builder.dataBase)
        func failing(_ add: (inout Builder) -> Void) -> (FirmwareImageError?, Int) {
            var builder = Builder.minimal()
            let offset = builder.nextEntryOffset
            add(&builder)
            return (rejection(builder.build()), offset)
        }
        func expect(_ result: (FirmwareImageError?, Int), field: Int, _ rule: FirmwareRule, line: Int = #line) {
            let (error, offset) = result
            #expect(error == FirmwareImageError(entry: .init(index: 3, offset: offset), offset: offset + 4 + field, rule: rule),
                    sourceLocation: SourceLocation(fileID: #fileID, filePath: #filePath, line: line, column: 1))
        }
        expect(failing { $0.raw(type: 0, body: Array(repeating: 0, count: 16)) }, field: 0, .interfaceEntryTooShort(bodySize: 16))
        expect(failing { $0.section(flags: 1, va: (0, 0x1000), data: (base + 8, base)) }, field: 16,
               .dataRangeReversed(start: base + 8, end: base))
        // Both ranges reversed: panthor checks data first.
        expect(failing { $0.section(flags: 1, va: (0x2000, 0x1000), data: (base + 8, base)) }, field: 16,
               .dataRangeReversed(start: base + 8, end: base))
        expect(failing { $0.section(flags: 1, va: (0x2000, 0x1000)) }, field: 8, .virtualRangeReversed(start: 0x2000, end: 0x1000))
        let fileSize = Builder.minimal().build().count
        expect(failing { $0.section(flags: 1, va: (0, 0x1000), data: (base, UInt32(fileSize + 1))) }, field: 16,
               .dataOutsideFile(end: UInt32(fileSize + 1), fileSize: fileSize))
        expect(failing { $0.section(flags: 1, va: (0x10, 0x1000)) }, field: 4, .virtualRangeNotPageAligned(start: 0x10, end: 0x1000))
        expect(failing { $0.section(flags: 1, va: (0x1000, 0x1800)) }, field: 8, .virtualRangeNotPageAligned(start: 0x1000, end: 0x1800))
        expect(failing { $0.section(flags: 1 | 1 << 6, va: (0, 0x1000)) }, field: 0,
               .unsupportedSectionFlags(FirmwareSectionFlags(rawValue: 1 | 1 << 6)))
        expect(failing { $0.section(flags: 0x1b, va: (Builder.sharedVA, Builder.sharedVA + 0x1000)) }, field: 0,
               .sharedRegionNotShared(flags: FirmwareSectionFlags(rawValue: 0x1b)))
    }

    /// Data past the header's size but inside the file is fine (real images keep all section
    /// data there); a zero-length data range at the file's very end is fine too.
    @Test func dataIsCheckedAgainstTheFileNotTheHeaderSize() throws {
        var builder = Builder.minimal()
        let fileSize = UInt32(builder.build().count)
        builder.section(flags: 1, va: (0x1000, 0x2000), data: (fileSize, fileSize))
        let image = try FirmwareImage.parse(builder.build())
        #expect(image.sections.last?.data == fileSize..<fileSize)
    }

    /// PROT without SHARED at 0x04000000: refused when loaded, but mainline's early return for
    /// PROT sections skips the shared check, so with `.ignore` the image fails only for want
    /// of a shared section.
    @Test func protectedSectionAtTheSharedRegion() {
        var builder = Builder()
        builder.section(flags: 0x21, va: (Builder.sharedVA, Builder.sharedVA + 0x1000))
        let loaded = rejection(builder.build(), .load)
        #expect(loaded?.rule == .sharedRegionNotShared(flags: FirmwareSectionFlags(rawValue: 0x21)))
        let ignored = rejection(builder.build(), .ignore)
        #expect(ignored == FirmwareImageError(entry: nil, offset: 44, rule: .sharedRegionMissing))
    }

    @Test func missingSharedRegion() {
        var builder = Builder()
        builder.section(flags: 1, va: (0, 0x1000))
        let error = rejection(builder.build())
        #expect(error == FirmwareImageError(entry: nil, offset: 44, rule: .sharedRegionMissing))
        #expect(error?.errno.name == "EINVAL")
        #expect(error?.description.contains("Shared interface region not found") == true)
    }

    /// The last section at 0x04000000 is the one panthor keeps.
    @Test func lastSharedSectionWins() throws {
        var builder = Builder.minimal()
        builder.sharedSection(flags: 0x4000_0003)
        let image = try FirmwareImage.parse(builder.build())
        #expect(image.sharedSectionIndex == 3)
        #expect(image.sharedSection.flags.rawValue == 0x4000_0003)
    }

    @Test func messagesNameEntryOffsetAndRule() {
        var builder = Builder.minimal()
        builder.section(flags: 1, va: (0x10, 0x1000))
        let text = rejection(builder.build())?.description ?? ""
        #expect(text == "firmware image: entry 3 (at 0x5c), byte 0x64: virtual range 0x10-0x1000 is not aligned to 4 KiB pages "
            + "[panthor: \"Firmware corrupted, virtual addresses not page aligned\", EINVAL]")
    }
}
