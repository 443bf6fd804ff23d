/// One IFACE entry: a range of the MCU's address space and the bytes it starts with.
///
/// Ranges are half-open and were checked against panthor's rules by the parser: both are
/// ordered, `va` is page-aligned, `data` lies inside the file. Panthor never compares the two
/// sizes: it copies `data` to the start of the section and, for ZERO sections, zeroes the rest,
/// so data longer than the section would overrun it; a loader has to refuse that itself.
public struct FirmwareSection: Hashable, Sendable {
    /// The section's position in `FirmwareImage.sections`.
    public let index: Int
    /// The index of the entry it came from, among all the image's entries.
    public let entryIndex: Int
    /// The file offset of that entry's header word.
    public let entryOffset: Int
    public let flags: FirmwareSectionFlags
    /// The MCU virtual range `[va.start, va.end)`.
    public let va: Range<UInt32>
    /// The file range of the initial data, `[data.start, data.end)`.
    public let data: Range<UInt32>
    /// The entry's remaining bytes, which panthor keeps as the section's name. Not
    /// NUL-terminated, and in linux-firmware's images not text at all.
    public let name: [UInt8]

    public var isProtected: Bool { flags.contains(.protected) }
    public var isShared: Bool { flags.contains(.shared) }
    public var isZero: Bool { flags.contains(.zero) }
    public var cacheMode: FirmwareCacheMode { flags.cacheMode }

    /// The section's size in the MCU address space. A zero size is legal: panthor records the
    /// section but allocates and maps nothing for it.
    public var virtualSize: UInt32 { va.upperBound - va.lowerBound }

    /// How panthor maps the section: no WR → read-only, no EX → no-exec, any cache mode but
    /// `cached` → uncached. `protected` is the model's own mark for a PROT section, which the
    /// protected-mode series backs with memory from the protected heap.
    public var mappingAttributes: GPUMappingAttributes {
        var attributes: GPUMappingAttributes = []
        if !flags.contains(.write) { attributes.insert(.readOnly) }
        if !flags.contains(.execute) { attributes.insert(.noExecute) }
        if flags.cacheMode.mapsUncached { attributes.insert(.uncached) }
        if flags.contains(.protected) { attributes.insert(.protected) }
        return attributes
    }

    /// The section's place in the MCU address space, as the MMU model takes it.
    public var virtualRange: GPUVirtualRange {
        GPUVirtualRange(start: GPUVirtualAddress(UInt64(va.lowerBound)), size: UInt64(virtualSize))!
    }

    /// The name as text when every byte is printable ASCII, else `nil`.
    public var nameText: String? {
        guard !name.isEmpty, name.allSatisfy({ (0x20...0x7e).contains($0) }) else { return nil }
        return String(decoding: name, as: UTF8.self)
    }

    /// The name's bytes as lowercase hex, two digits each.
    public var nameHex: String {
        name.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }.joined()
    }
}
