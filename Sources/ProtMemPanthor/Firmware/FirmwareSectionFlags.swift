/// The flags word of an IFACE entry (`CSF_FW_BINARY_IFACE_ENTRY_*`).
///
/// Bits [4:3] are not flags but a two-bit cache mode; read them through `cacheMode`.
public struct FirmwareSectionFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `RD`: the MCU may read the section.
    public static let read = Self(rawValue: 1 << 0)
    /// `WR`: the MCU may write it; without it the section is mapped read-only, and a fast reset
    /// reloads only sections with this bit.
    public static let write = Self(rawValue: 1 << 1)
    /// `EX`: the MCU may execute it; without it the section is mapped no-exec.
    public static let execute = Self(rawValue: 1 << 2)
    /// `CACHE_MODE`, bits [4:3]: a field, not a flag.
    public static let cacheModeMask = Self(rawValue: 0b11 << 3)
    /// `PROT`: the section belongs in protected memory (the firmware uses it in protected mode).
    public static let protected = Self(rawValue: 1 << 5)
    /// `SHARED`: the host keeps it mapped (vmap) to talk to the firmware; required at 0x04000000.
    public static let shared = Self(rawValue: 1 << 30)
    /// `ZERO`: the bytes after the initial data are zeroed at load.
    public static let zero = Self(rawValue: 1 << 31)

    /// `CSF_FW_BINARY_IFACE_ENTRY_SUPPORTED_FLAGS`: any other bit makes panthor refuse the image.
    public static let supported: Self = [.read, .write, .execute, .cacheModeMask, .protected, .shared, .zero]

    public var cacheMode: FirmwareCacheMode {
        FirmwareCacheMode(rawValue: UInt8((rawValue & Self.cacheModeMask.rawValue) >> 3))!
    }

    /// The bits outside `supported`.
    public var unsupportedBits: UInt32 { rawValue & ~Self.supported.rawValue }

    /// `RD|WR|EX|CACHED|PROT|SHARED|ZERO`-style text: the flags in bit order, the cache mode
    /// by name (`NONE` is left out, as it is the zero value), then any unknown bits in hex.
    public var decodedDescription: String {
        var parts: [String] = []
        if contains(.read) { parts.append("RD") }
        if contains(.write) { parts.append("WR") }
        if contains(.execute) { parts.append("EX") }
        if cacheMode != .none { parts.append(cacheMode.name) }
        if contains(.protected) { parts.append("PROT") }
        if contains(.shared) { parts.append("SHARED") }
        if contains(.zero) { parts.append("ZERO") }
        if unsupportedBits != 0 { parts.append(FirmwareHex.format(unsupportedBits)) }
        return parts.isEmpty ? "-" : parts.joined(separator: "|")
    }
}

/// `CSF_FW_BINARY_IFACE_ENTRY_CACHE_MODE_*`.
public enum FirmwareCacheMode: UInt8, Hashable, Sendable, CaseIterable {
    case none = 0
    case cached = 1
    case uncachedCoherent = 2
    case cachedCoherent = 3

    /// The suffix of the kernel's macro name.
    public var name: String {
        switch self {
        case .none: "NONE"
        case .cached: "CACHED"
        case .uncachedCoherent: "UNCACHED_COHERENT"
        case .cachedCoherent: "CACHED_COHERENT"
        }
    }

    /// Panthor maps every mode but `cached` uncached: it has no attribute for IO-coherent
    /// memory yet (a TODO in panthor_fw.c), so both coherent modes fall back to uncached.
    public var mapsUncached: Bool { self != .cached }
}
