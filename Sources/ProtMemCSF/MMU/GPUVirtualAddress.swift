/// An address in one of the GPU's virtual address spaces. A distinct type from
/// `PhysicalAddress` so the MMU's input and output can never be confused.
public struct GPUVirtualAddress: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    @inlinable public init(rawValue: UInt64) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    @inlinable public var isPageAligned: Bool { rawValue & (GPUAddressSpaceLayout.pageSize - 1) == 0 }

    public var description: String { "0x" + String(rawValue, radix: 16) }
}

/// A half-open range of GPU virtual addresses `[start, start + size)`; construction refuses
/// a range whose end wraps past 2^64.
public struct GPUVirtualRange: Hashable, Sendable, CustomStringConvertible {
    public let start: GPUVirtualAddress
    public let size: UInt64

    @inlinable public init?(start: GPUVirtualAddress, size: UInt64) {
        guard !start.rawValue.addingReportingOverflow(size).overflow else { return nil }
        self.start = start
        self.size = size
    }

    /// One past the last byte.
    @inlinable public var end: UInt64 { start.rawValue &+ size }
    @inlinable public var isEmpty: Bool { size == 0 }
    @inlinable public var isPageAligned: Bool {
        start.isPageAligned && size & (GPUAddressSpaceLayout.pageSize - 1) == 0
    }

    @inlinable public func contains(_ address: GPUVirtualAddress) -> Bool {
        address.rawValue >= start.rawValue && address.rawValue < end
    }

    @inlinable public func contains(_ other: GPUVirtualRange) -> Bool {
        other.start.rawValue >= start.rawValue && other.end <= end
    }

    @inlinable public func overlaps(_ other: GPUVirtualRange) -> Bool {
        other.start.rawValue < end && start.rawValue < other.end
    }

    /// The part of this range that `other` covers, if any.
    public func intersection(_ other: GPUVirtualRange) -> GPUVirtualRange? {
        let low = max(start.rawValue, other.start.rawValue), high = min(end, other.end)
        return low < high ? GPUVirtualRange(start: GPUVirtualAddress(low), size: high - low) : nil
    }

    public var description: String { "[\(start)–0x\(String(end, radix: 16)))" }
}
