/// The fixed header at the start of every DTB.
///
/// Exposed publicly because tools that only need to place or size a blob
/// (copy it into reserved memory, check it fits a carve-out) should not have
/// to decode the whole tree.
public struct FDTHeader: Sendable, Equatable {
    /// `FDT_MAGIC`; big-endian on disk like every other field.
    public static let magic: UInt32 = 0xd00d_feed
    /// Oldest layout this module reads. libfdt still accepts 2...15, but those
    /// store full paths as node names and 8-align large property values, a
    /// format no current kernel or dtc emits.
    public static let firstSupportedVersion: UInt32 = 16
    /// libfdt's `FDT_LAST_SUPPORTED_VERSION`: a blob whose
    /// `last_comp_version` is newer than this is not readable as v17.
    public static let lastSupportedVersion: UInt32 = 17
    /// libfdt refuses `totalsize` above `INT_MAX` because its offsets are `int`.
    public static let maximumTotalSize = Int(Int32.max)
    /// Header sizes (`FDT_V16_SIZE`, `FDT_V17_SIZE`): v17 adds `size_dt_struct`.
    public static let version16Size = 36
    public static let version17Size = 40

    public var totalSize: UInt32
    public var structureOffset: UInt32
    public var stringsOffset: UInt32
    public var memoryReservationOffset: UInt32
    public var version: UInt32
    public var lastCompatibleVersion: UInt32
    public var bootCPUIDPhys: UInt32
    public var stringsSize: UInt32
    /// Absent (nil) in version 16 headers, where the structure block simply
    /// runs until `FDT_END`.
    public var structureSize: UInt32?

    public init(
        totalSize: UInt32, structureOffset: UInt32, stringsOffset: UInt32,
        memoryReservationOffset: UInt32, version: UInt32, lastCompatibleVersion: UInt32,
        bootCPUIDPhys: UInt32, stringsSize: UInt32, structureSize: UInt32?
    ) {
        self.totalSize = totalSize
        self.structureOffset = structureOffset
        self.stringsOffset = stringsOffset
        self.memoryReservationOffset = memoryReservationOffset
        self.version = version
        self.lastCompatibleVersion = lastCompatibleVersion
        self.bootCPUIDPhys = bootCPUIDPhys
        self.stringsSize = stringsSize
        self.structureSize = structureSize
    }

    /// Size of this header as written; blocks may not start inside it.
    public var headerSize: Int {
        version >= 17 ? Self.version17Size : Self.version16Size
    }
}
