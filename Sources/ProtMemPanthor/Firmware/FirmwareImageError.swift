import ProtMemMemory

/// Why panthor would refuse a firmware image, and where.
///
/// Every rejection in panthor_fw.c returns `-EINVAL` (see `errno`), so the number alone says
/// nothing; the model keeps the rule, the entry and the exact byte, and its description
/// carries the kernel's own log message beside the specifics.
public struct FirmwareImageError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The entry being parsed; `nil` for the image header and for the final whole-image check.
    public let entry: Location?
    /// The file offset of the byte or field that breaks the rule.
    public let offset: Int
    public let rule: FirmwareRule

    public struct Location: Hashable, Sendable {
        /// The entry's position among the image's entries, from 0.
        public let index: Int
        /// The file offset of the entry's header word.
        public let offset: Int

        public init(index: Int, offset: Int) {
            self.index = index
            self.offset = offset
        }
    }

    public init(entry: Location?, offset: Int, rule: FirmwareRule) {
        self.entry = entry
        self.offset = offset
        self.rule = rule
    }

    /// What panthor returns for every one of these: `-EINVAL`.
    public var errno: Errno { .invalidArgument }

    public var description: String {
        let place = entry.map { "entry \($0.index) (at \(FirmwareHex.format($0.offset))), " } ?? ""
        return "firmware image: \(place)byte \(FirmwareHex.format(offset)): \(rule.explanation) "
            + "[panthor: \"\(rule.kernelMessage)\", \(errno.name)]"
    }
}

/// The rule an image broke, one case per check in panthor_fw.c, in the order panthor applies them.
public enum FirmwareRule: Hashable, Sendable {
    // panthor_fw_load: the image header.
    /// The file is shorter than the 20-byte header.
    case headerTruncated(fileSize: Int)
    case badMagic(found: UInt32)
    case unsupportedMajor(major: UInt8, minor: UInt8)
    /// The header's `size` exceeds the file. (Mainline logs this but returned 0 until a fix
    /// set `-EINVAL`; the model follows the fix.)
    case imageTruncated(headerSize: UInt32, fileSize: Int)

    // panthor_fw_load_entry: each entry header.
    /// The entry's header word does not fit before the header's `size`.
    case entryHeaderTruncated(imageSize: UInt32)
    /// The entry's size is not a multiple of 4.
    case entryMisaligned(size: UInt32)
    /// The entry runs past the header's `size`, or its size is 0 (smaller than its own header
    /// word, which wraps the kernel's length computation).
    case entryTooLong(size: UInt32, remaining: Int)
    /// A type panthor does not know, without OPTIONAL.
    case unsupportedEntryType(FirmwareEntryType)

    // panthor_fw_load_section_entry: IFACE entries.
    /// The entry is shorter than the 20-byte section header.
    case interfaceEntryTooShort(bodySize: Int)
    case dataRangeReversed(start: UInt32, end: UInt32)
    case virtualRangeReversed(start: UInt32, end: UInt32)
    /// `data.end` lies past the end of the file (the file, not the header's `size`).
    case dataOutsideFile(end: UInt32, fileSize: Int)
    case virtualRangeNotPageAligned(start: UInt32, end: UInt32)
    case unsupportedSectionFlags(FirmwareSectionFlags)
    /// A section starts at 0x04000000 without SHARED.
    case sharedRegionNotShared(flags: FirmwareSectionFlags)

    // panthor_fw_read_build_info: the one fatal check.
    /// The entry is shorter than the 8-byte build-info header.
    case buildInfoEntryTooShort(bodySize: Int)

    // panthor_fw_load, after the entries.
    /// No section starts at 0x04000000.
    case sharedRegionMissing

    /// The message panthor logs for this rule (its `drm_err` text, without the values).
    public var kernelMessage: String {
        switch self {
        case .headerTruncated, .entryHeaderTruncated, .interfaceEntryTooShort, .buildInfoEntryTooShort:
            "Firmware too small"
        case .badMagic: "Invalid firmware magic"
        case .unsupportedMajor: "Unsupported firmware binary header version"
        case .imageTruncated: "Firmware image is truncated"
        case .entryMisaligned: "Firmware entry isn't 32 bit aligned"
        case .entryTooLong: "Firmware entry too long"
        case .unsupportedEntryType: "Unsupported non-optional entry type in firmware"
        case .dataRangeReversed: "Firmware corrupted, data.end < data.start"
        case .virtualRangeReversed: "Firmware corrupted, hdr.va.end < hdr.va.start"
        case .dataOutsideFile: "Firmware corrupted, file truncated?"
        case .virtualRangeNotPageAligned: "Firmware corrupted, virtual addresses not page aligned"
        case .unsupportedSectionFlags: "Firmware contains interface with unsupported flags"
        case .sharedRegionNotShared: "Interface at 0x4000000 must be shared"
        case .sharedRegionMissing: "Shared interface region not found"
        }
    }

    /// The rule in plain words, with the values that broke it.
    public var explanation: String {
        func hex(_ value: some BinaryInteger) -> String { FirmwareHex.format(value) }
        switch self {
        case .headerTruncated(let fileSize):
            return "the file has \(fileSize) bytes, fewer than the \(FirmwareHeader.byteCount)-byte header"
        case .badMagic(let found):
            return "magic is \(hex(found)), expected \(hex(FirmwareHeader.magic))"
        case .unsupportedMajor(let major, let minor):
            return "header version \(major).\(minor), but only major \(FirmwareHeader.supportedMajor) is supported"
        case .imageTruncated(let headerSize, let fileSize):
            return "header size \(hex(headerSize)) exceeds the file size \(hex(fileSize))"
        case .entryHeaderTruncated(let imageSize):
            return "the entry header word does not fit before the image end \(hex(imageSize))"
        case .entryMisaligned(let size):
            return "entry size \(size) is not a multiple of 4"
        case .entryTooLong(let size, let remaining) where size == 0:
            return "entry size 0 is smaller than its own header word (\(remaining) bytes remain)"
        case .entryTooLong(let size, let remaining):
            return "entry size \(size) runs past the image end (\(remaining) bytes remain after its header word)"
        case .unsupportedEntryType(let type):
            return "entry type \(type.rawValue) is unknown and not OPTIONAL"
        case .interfaceEntryTooShort(let bodySize):
            return "an IFACE entry needs 20 bytes after its header word, this one has \(bodySize)"
        case .dataRangeReversed(let start, let end):
            return "data.end \(hex(end)) < data.start \(hex(start))"
        case .virtualRangeReversed(let start, let end):
            return "va.end \(hex(end)) < va.start \(hex(start))"
        case .dataOutsideFile(let end, let fileSize):
            return "data.end \(hex(end)) > file size \(hex(fileSize))"
        case .virtualRangeNotPageAligned(let start, let end):
            return "virtual range \(hex(start))-\(hex(end)) is not aligned to 4 KiB pages"
        case .unsupportedSectionFlags(let flags):
            return "flags \(hex(flags.rawValue)) carry unsupported bits \(hex(flags.unsupportedBits))"
        case .sharedRegionNotShared(let flags):
            return "the section at \(hex(GPUAddressSpaceLayout.mcuSharedRegionStart)) has flags \(flags.decodedDescription) without SHARED"
        case .buildInfoEntryTooShort(let bodySize):
            return "a build-info entry needs 8 bytes after its header word, this one has \(bodySize)"
        case .sharedRegionMissing:
            return "no section starts at \(hex(GPUAddressSpaceLayout.mcuSharedRegionStart)), where the firmware interface lives"
        }
    }
}
