import ProtMemMemory

/// A map or unmap request the address space refused. Nothing changed: a request is checked
/// whole before any mapping is added or removed.
public struct GPUMMUError: Error, Hashable, Sendable, CustomStringConvertible {
    public enum Reason: Hashable, Sendable {
        /// The VA range does not start or end on a 4 KiB page.
        case notPageAligned
        /// A zero-length range.
        case empty
        /// The range reaches past the address space's end.
        case outsideAddressSpace(limit: UInt64)
        /// The range overlaps a mapping already there.
        case overlapsMapping(GPUVirtualRange)
        /// A physical chunk is not whole pages.
        case physicalChunkNotPageAligned(PhysicalRange)
        /// The physical chunks do not add up to the VA range's size.
        case physicalSizeMismatch(virtual: UInt64, physical: UInt64)
    }

    public let addressSpace: GPUAddressSpaceID
    public let range: GPUVirtualRange
    public let reason: Reason

    /// The kernel's answer: an occupied VA range is `-ENOSPC` (drm_mm_reserve_node, which
    /// panthor uses to place a kernel BO at a fixed VA); everything else is `-EINVAL`.
    public var errno: Errno {
        if case .overlapsMapping = reason { return .noSpace }
        return .invalidArgument
    }

    public var description: String {
        let what = switch reason {
        case .notPageAligned: "not aligned to 4 KiB pages"
        case .empty: "empty"
        case .outsideAddressSpace(let limit): "past the end of the address space (0x\(String(limit, radix: 16)))"
        case .overlapsMapping(let other): "overlaps the mapping at \(other)"
        case .physicalChunkNotPageAligned(let chunk): "backed by physical chunk \(chunk), which is not whole pages"
        case .physicalSizeMismatch(let virtual, let physical):
            "\(virtual) bytes of VA backed by \(physical) bytes of physical memory"
        }
        return "GPU VA range \(range) in \(addressSpace) is \(what) (\(errno.name))"
    }
}
