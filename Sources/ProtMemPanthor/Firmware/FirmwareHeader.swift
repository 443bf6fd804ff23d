/// The 20-byte header at the start of a Mali CSF firmware image (`struct panthor_fw_binary_hdr`),
/// little-endian: magic, minor, major, padding, version hash, padding, size.
public struct FirmwareHeader: Hashable, Sendable {
    /// `CSF_FW_BINARY_HEADER_MAGIC`.
    public static let magic: UInt32 = 0xc3f1_3a6e
    /// `CSF_FW_BINARY_HEADER_MAJOR_MAX`: the only header major version panthor accepts.
    public static let supportedMajor: UInt8 = 0
    /// `sizeof(struct panthor_fw_binary_hdr)`.
    public static let byteCount = 20

    /// Byte offsets of the fields, for error reports that point at the field itself.
    enum Field {
        static let magic = 0
        static let minor = 4
        static let major = 5
        static let versionHash = 8
        static let size = 16
    }

    public let version: FirmwareVersion
    /// `version_hash`: identifies the build; panthor reads it but never checks it.
    public let versionHash: UInt32
    /// `size`: where entry parsing stops. Bytes past it (the sections' initial data, usually)
    /// are reached only through the entries' data ranges.
    public let size: UInt32
}

/// The header's binary-format version (not the firmware's own interface version, which the
/// firmware reports in its global interface once it boots).
public struct FirmwareVersion: Hashable, Sendable, CustomStringConvertible {
    public let major: UInt8
    public let minor: UInt8

    public init(major: UInt8, minor: UInt8) {
        self.major = major
        self.minor = minor
    }

    public var description: String { "\(major).\(minor)" }
}
