/// The page size the model uses everywhere, as `PAGE_SIZE` on arm64 with 4 KiB pages.
public let pageSize: UInt64 = 4096
/// `PAGE_SHIFT` for `pageSize`.
public let pageShift: UInt64 = 12

/// `PAGE_ALIGN(x)`: rounds up to a page; `nil` where the kernel's macro wraps to zero or past it.
@inlinable public func pageAlignUp(_ value: UInt64) -> UInt64? {
    let (sum, overflow) = value.addingReportingOverflow(pageSize - 1)
    return overflow ? nil : sum & ~(pageSize - 1)
}

/// A physical (bus) address. A distinct type so that an offset, a length or a virtual
/// address can never be passed where the hardware expects a physical address.
public struct PhysicalAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    @inlinable public var isPageAligned: Bool { rawValue & (pageSize - 1) == 0 }
    /// The page frame number, as `PHYS_PFN`.
    @inlinable public var pageFrameNumber: UInt64 { rawValue >> pageShift }

    /// The address `offset` bytes on; `nil` where that wraps the 64-bit space.
    @inlinable public func advanced(by offset: UInt64) -> PhysicalAddress? {
        let (sum, overflow) = rawValue.addingReportingOverflow(offset)
        return overflow ? nil : PhysicalAddress(sum)
    }

    public var description: String { "0x" + String(rawValue, radix: 16, uppercase: false) }
}

/// A half-open range of physical addresses `[base, base + size)`.
///
/// Construction refuses a range that wraps past 2^64, so every range in the model has a
/// representable end.
public struct PhysicalRange: Hashable, Sendable, CustomStringConvertible {
    public let base: PhysicalAddress
    public let size: UInt64

    /// Fails (returns `nil`) when `base + size` wraps.
    @inlinable public init?(base: PhysicalAddress, size: UInt64) {
        guard base.advanced(by: size) != nil else { return nil }
        self.base = base
        self.size = size
    }

    /// For literals the caller knows to be valid; traps on wrap, so never use on input.
    public init(checkedBase base: UInt64, size: UInt64) {
        guard let range = PhysicalRange(base: PhysicalAddress(base), size: size) else {
            preconditionFailure("physical range 0x\(String(base, radix: 16)) + 0x\(String(size, radix: 16)) wraps")
        }
        self = range
    }

    /// One past the last byte.
    @inlinable public var end: UInt64 { base.rawValue &+ size }
    @inlinable public var isEmpty: Bool { size == 0 }
    @inlinable public var isPageAligned: Bool { base.isPageAligned && size & (pageSize - 1) == 0 }
    @inlinable public var pageCount: UInt64 { size >> pageShift }

    @inlinable public func contains(_ address: PhysicalAddress) -> Bool {
        address.rawValue >= base.rawValue && address.rawValue < end
    }

    @inlinable public func contains(_ other: PhysicalRange) -> Bool {
        other.base.rawValue >= base.rawValue && other.end <= end
    }

    @inlinable public func overlaps(_ other: PhysicalRange) -> Bool {
        other.base.rawValue < end && base.rawValue < other.end
    }

    public var description: String {
        "[\(base)–0x\(String(end, radix: 16)))"
    }
}
