/// A virtual address in a process.
public struct VirtualAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// The address `offset` bytes on; `nil` where that wraps.
    public func advanced(by offset: UInt64) -> VirtualAddress? {
        let (sum, overflow) = rawValue.addingReportingOverflow(offset)
        return overflow ? nil : VirtualAddress(rawValue: sum)
    }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// `prot` of mmap(2).
public struct MmapProtection: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `PROT_NONE`
    public static let none: MmapProtection = []
    public static let read = MmapProtection(rawValue: 0x1)
    public static let write = MmapProtection(rawValue: 0x2)
    public static let exec = MmapProtection(rawValue: 0x4)

    /// Loads work through any accessible mapping: x86-64 and arm64 cannot map a page
    /// writable or executable without making it readable.
    var allowsLoad: Bool { !intersection([.read, .write, .exec]).isEmpty }
    var allowsStore: Bool { contains(.write) }
}

/// `flags` of mmap(2), with x86-64's values (`include/uapi/asm-generic/mman*.h`).
public struct MmapFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let shared = MmapFlags(rawValue: 0x01)
    public static let `private` = MmapFlags(rawValue: 0x02)
    /// `MAP_SHARED_VALIDATE`: shared, and unknown flags are refused (`EOPNOTSUPP`).
    public static let sharedValidate = MmapFlags(rawValue: 0x03)
    /// `MAP_TYPE`: the mask of the mapping type.
    public static let typeMask = MmapFlags(rawValue: 0x0f)
    public static let fixed = MmapFlags(rawValue: 0x10)
    public static let anonymous = MmapFlags(rawValue: 0x20)
    public static let growsDown = MmapFlags(rawValue: 0x100)
    public static let denyWrite = MmapFlags(rawValue: 0x800)
    public static let executable = MmapFlags(rawValue: 0x1000)
    public static let locked = MmapFlags(rawValue: 0x2000)
    public static let noReserve = MmapFlags(rawValue: 0x4000)
    public static let populate = MmapFlags(rawValue: 0x8000)
    public static let nonBlock = MmapFlags(rawValue: 0x10000)
    public static let stack = MmapFlags(rawValue: 0x20000)
    public static let hugeTLB = MmapFlags(rawValue: 0x40000)
    public static let sync = MmapFlags(rawValue: 0x80000)
    public static let fixedNoReplace = MmapFlags(rawValue: 0x100000)
    public static let uninitialized = MmapFlags(rawValue: 0x4000000)

    /// `LEGACY_MAP_MASK`: the flags `MAP_SHARED` accepts silently and `MAP_SHARED_VALIDATE`
    /// accepts at all (no file the model has sets `FOP_MMAP_SYNC`).
    public static let legacyMask: MmapFlags = [.shared, .private, .fixed, .anonymous, .denyWrite, .executable,
                                               .uninitialized, .growsDown, .locked, .noReserve, .populate,
                                               .nonBlock, .stack, .hugeTLB]

    /// The mapping type alone.
    public var type: MmapFlags { intersection(.typeMask) }
}
