/// The 32-bit word that opens every entry after the image header.
///
/// Bits [7:0] are the type, bits [15:8] the entry's size in bytes including this word,
/// bit 30 is UPDATE and bit 31 OPTIONAL (`CSF_FW_BINARY_ENTRY_*` in panthor_fw.c). The size
/// field is eight bits wide, so no entry exceeds 255 bytes (252 once a multiple of 4).
public struct FirmwareEntryHeader: RawRepresentable, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `CSF_FW_BINARY_ENTRY_UPDATE`. Panthor ignores it.
    public static let updateBit: UInt32 = 1 << 30
    /// `CSF_FW_BINARY_ENTRY_OPTIONAL`: an entry of a type the driver does not know may be skipped.
    public static let optionalBit: UInt32 = 1 << 31

    public var type: FirmwareEntryType { FirmwareEntryType(rawValue: UInt8(rawValue & 0xff)) }
    /// The entry's size in bytes, header word included.
    public var size: UInt32 { (rawValue >> 8) & 0xff }
    public var isUpdate: Bool { rawValue & Self.updateBit != 0 }
    public var isOptional: Bool { rawValue & Self.optionalBit != 0 }
}

/// An entry type (`enum panthor_fw_binary_entry_type`). Kept as a raw wrapper because real
/// images carry types panthor does not name (5, 7, 8, 9 in linux-firmware's images), which are
/// legal as long as they are flagged OPTIONAL.
public struct FirmwareEntryType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// `CSF_FW_BINARY_ENTRY_TYPE_IFACE`: a section to map into the MCU's address space.
    public static let interface = Self(rawValue: 0)
    /// `CSF_FW_BINARY_ENTRY_TYPE_CONFIG`: ignored by panthor.
    public static let config = Self(rawValue: 1)
    /// `CSF_FW_BINARY_ENTRY_TYPE_FUTF_TEST`: ignored by panthor.
    public static let futfTest = Self(rawValue: 2)
    /// `CSF_FW_BINARY_ENTRY_TYPE_TRACE_BUFFER`: ignored by panthor.
    public static let traceBuffer = Self(rawValue: 3)
    /// `CSF_FW_BINARY_ENTRY_TYPE_TIMELINE_METADATA`: ignored by panthor.
    public static let timelineMetadata = Self(rawValue: 4)
    /// `CSF_FW_BINARY_ENTRY_TYPE_BUILD_INFO_METADATA`: where the `git_sha: ` string lives.
    public static let buildInfoMetadata = Self(rawValue: 6)

    /// Types panthor accepts and then ignores, OPTIONAL or not.
    public static let ignored: Set<Self> = [config, futfTest, traceBuffer, timelineMetadata]

    public var description: String {
        switch self {
        case .interface: "IFACE"
        case .config: "CONFIG"
        case .futfTest: "FUTF_TEST"
        case .traceBuffer: "TRACE_BUFFER"
        case .timelineMetadata: "TIMELINE_METADATA"
        case .buildInfoMetadata: "BUILD_INFO_METADATA"
        default: "type \(rawValue)"
        }
    }
}

/// One entry as the parser met it, and what it did with it: the image's table of contents.
public struct FirmwareEntry: Hashable, Sendable {
    public enum Disposition: Hashable, Sendable {
        /// An IFACE entry, now `FirmwareImage.sections[index]`.
        case section(index: Int)
        /// A PROT IFACE entry dropped under `ProtectedSectionPolicy.ignore`.
        case ignoredProtectedSection
        /// A build-info entry, now `FirmwareImage.buildInfo[index]`.
        case buildInfo(index: Int)
        /// CONFIG, FUTF_TEST, TRACE_BUFFER or TIMELINE_METADATA: known and ignored.
        case ignored
        /// An unknown type flagged OPTIONAL.
        case skippedOptional
    }

    /// The entry's position among the image's entries, from 0.
    public let index: Int
    /// The file offset of the entry's header word.
    public let offset: Int
    public let header: FirmwareEntryHeader
    public let disposition: Disposition
}
