/// A parsed Mali CSF firmware image (`mali_csffw.bin`), accepted by panthor's rules.
///
/// The format, as panthor_fw.c reads it:
/// 1. A 20-byte little-endian header: magic `0xc3f13a6e`, minor, major (must be 0), padding,
///    version hash, padding, and `size`, which must not exceed the file and bounds the entries.
/// 2. From byte 20 to `size`, entries, each opened by a 32-bit word: type [7:0], size in bytes
///    [15:8] (header word included, a multiple of 4), UPDATE bit 30, OPTIONAL bit 31.
/// 3. IFACE entries describe sections (flags, MCU VA range, file data range, then a name);
///    BUILD_INFO_METADATA entries point at a `git_sha: ` string; CONFIG, FUTF_TEST,
///    TRACE_BUFFER and TIMELINE_METADATA are ignored; any other type must be OPTIONAL and is
///    skipped.
/// 4. After the entries, a section must start at 0x04000000, the shared interface region.
///
/// Parsing copies no section data: sections hold ranges into `bytes`, which the image keeps.
public struct FirmwareImage: Hashable, Sendable {
    /// The whole file, as read.
    public let bytes: [UInt8]
    public let header: FirmwareHeader
    /// Every entry, in file order, with what the parser did with it.
    public let entries: [FirmwareEntry]
    /// The IFACE sections, in file order (PROT ones included unless ignored by policy).
    public let sections: [FirmwareSection]
    /// PROT sections dropped under `ProtectedSectionPolicy.ignore`, as mainline does without
    /// a protected heap ("Firmware protected mode entry not be supported, ignoring").
    public let ignoredProtectedSections: [FirmwareSection]
    public let buildInfo: [FirmwareBuildInfo]
    /// The section panthor uses for the firmware interface: the last one starting at 0x04000000
    /// (panthor overwrites its pointer on each).
    public let sharedSectionIndex: Int

    public var version: FirmwareVersion { header.version }
    public var sharedSection: FirmwareSection { sections[sharedSectionIndex] }
    public var protectedSections: [FirmwareSection] { sections.filter(\.isProtected) }

    /// The string panthor logs after "Firmware git sha: ", from the first build-info entry that
    /// has one; `nil` when the image has none it understands.
    public var gitSHA: String? { buildInfo.lazy.compactMap(\.gitSHA).first }

    /// The initial data of a section: the bytes panthor copies to the start of its memory.
    public func initialData(of section: FirmwareSection) -> ArraySlice<UInt8> {
        bytes[Int(section.data.lowerBound)..<Int(section.data.upperBound)]
    }
}

/// What to do with PROT sections, the one place where panthor's behaviour depends on the
/// device: mainline (and the protected-mode series without a heap) skips them with a warning
/// before the shared-region check; the series with a protected heap loads them like any other
/// section, after that check.
public enum ProtectedSectionPolicy: Hashable, Sendable {
    /// Keep PROT sections in `sections`, checked like every other section (the series with a heap).
    case load
    /// Drop them into `ignoredProtectedSections` once their flags are checked (mainline).
    case ignore
}
