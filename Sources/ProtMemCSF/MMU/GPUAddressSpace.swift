import ProtMemMemory
import Synchronization

/// One GPU virtual address space (a panthor VM): page-aligned mappings from VA ranges to
/// physical chunks, never overlapping.
///
/// Map and unmap check the whole request before touching anything, so a refused request leaves
/// the space exactly as it was. Translation faults are recorded in the shared `GPUFaultLog`
/// and thrown. Thread-safe: every operation runs under one lock.
///
/// - Complexity: lookups are O(log n) in the number of mappings (binary search over mappings
///   kept sorted by start); map and unmap are O(n) for the array insert or removal.
public final class GPUAddressSpace: Sendable {
    public let id: GPUAddressSpaceID
    /// One past the highest usable VA: 2^32 for the MCU, 2^va_bits for a context.
    public let limit: UInt64
    public let faultLog: GPUFaultLog
    let state = Mutex<[GPUMapping]>([])
    /// Names the mappings as they stand: every map and unmap sets it, under ``state``'s lock,
    /// to a number no space has had before, so a translation remembered with it
    /// (``GPUTranslationCache``) is still right exactly while it is unchanged, whichever space
    /// it is asked of.
    private let mappingVersion = Atomic<UInt64>(GPUAddressSpace.newVersion())
    private static let versions = Atomic<UInt64>(1)

    private static func newVersion() -> UInt64 {
        versions.wrappingAdd(1, ordering: .relaxed).newValue
    }

    /// An empty space `[0, limit)`; `limit` must be a non-zero multiple of the page size.
    public init(id: GPUAddressSpaceID, limit: UInt64, faultLog: GPUFaultLog) {
        precondition(limit > 0 && limit % GPUAddressSpaceLayout.pageSize == 0, "address space limit must be whole pages")
        self.id = id
        self.limit = limit
        self.faultLog = faultLog
    }

    /// The mappings' version now (see ``mappingVersion``).
    var version: UInt64 { mappingVersion.load(ordering: .acquiring) }

    /// Marks the mappings changed; called under ``state``'s lock by whatever changes them.
    private func mappingsChanged() {
        mappingVersion.store(Self.newVersion(), ordering: .releasing)
    }

    /// Every mapping, sorted by VA.
    public var mappings: [GPUMapping] { state.withLock { $0 } }

    /// The mapping that covers `address`, if any.
    public func mapping(containing address: GPUVirtualAddress) -> GPUMapping? {
        state.withLock { mappings in
            let index = Self.firstIndex(in: mappings, endingAfter: address.rawValue)
            guard index < mappings.count, mappings[index].virtualRange.contains(address) else { return nil }
            return mappings[index]
        }
    }

    /// Maps `range` to `pages`, in order. Refuses a range that is empty, not page-aligned, past
    /// the space's end or overlapping a mapping, and chunks that are not whole pages or do not
    /// add up to the range.
    public func map(
        _ range: GPUVirtualRange, to pages: [PhysicalRange], attributes: GPUMappingAttributes
    ) throws(GPUMMUError) {
        try checkShape(of: range)
        var total: UInt64 = 0
        for chunk in pages {
            guard chunk.isPageAligned, !chunk.isEmpty else {
                throw GPUMMUError(addressSpace: id, range: range, reason: .physicalChunkNotPageAligned(chunk))
            }
            let (sum, overflow) = total.addingReportingOverflow(chunk.size)
            total = overflow ? .max : sum
            guard total <= range.size else { break }
        }
        guard total == range.size else {
            throw GPUMMUError(addressSpace: id, range: range, reason: .physicalSizeMismatch(virtual: range.size, physical: total))
        }
        let mapping = GPUMapping(virtualRange: range, pages: pages, attributes: attributes)
        try state.withLock { (mappings: inout [GPUMapping]) throws(GPUMMUError) in
            let index = Self.firstIndex(in: mappings, endingAfter: range.start.rawValue)
            if index < mappings.count, mappings[index].virtualRange.overlaps(range) {
                throw GPUMMUError(addressSpace: id, range: range, reason: .overlapsMapping(mappings[index].virtualRange))
            }
            mappings.insert(mapping, at: index)
            mappingsChanged()
        }
    }

    /// Unmaps everything inside `range`, splitting mappings that straddle its ends (as
    /// drm_gpuvm does), and returns the pieces removed. Unmapping a hole is not an error.
    @discardableResult
    public func unmap(_ range: GPUVirtualRange) throws(GPUMMUError) -> [GPUMapping] {
        try checkShape(of: range)
        return state.withLock { mappings in
            var removed: [GPUMapping] = []
            var kept: [GPUMapping] = []
            var index = Self.firstIndex(in: mappings, endingAfter: range.start.rawValue)
            let first = index
            while index < mappings.count, mappings[index].virtualRange.start.rawValue < range.end {
                let mapping = mappings[index]
                let whole = mapping.virtualRange
                removed.append(mapping.restricted(to: whole.intersection(range)!))
                if whole.start.rawValue < range.start.rawValue {
                    kept.append(mapping.restricted(to: GPUVirtualRange(start: whole.start, size: range.start.rawValue - whole.start.rawValue)!))
                }
                if whole.end > range.end {
                    kept.append(mapping.restricted(to: GPUVirtualRange(start: GPUVirtualAddress(range.end), size: whole.end - range.end)!))
                }
                index += 1
            }
            mappings.replaceSubrange(first..<index, with: kept)
            if !removed.isEmpty { mappingsChanged() }
            return removed
        }
    }

    func checkShape(of range: GPUVirtualRange) throws(GPUMMUError) {
        guard !range.isEmpty else { throw GPUMMUError(addressSpace: id, range: range, reason: .empty) }
        guard range.isPageAligned else { throw GPUMMUError(addressSpace: id, range: range, reason: .notPageAligned) }
        guard range.end <= limit else {
            throw GPUMMUError(addressSpace: id, range: range, reason: .outsideAddressSpace(limit: limit))
        }
    }

    /// The index of the first mapping whose end lies after `address` (binary search).
    static func firstIndex(in mappings: [GPUMapping], endingAfter address: UInt64) -> Int {
        var low = 0, high = mappings.count
        while low < high {
            let middle = (low + high) / 2
            if mappings[middle].virtualRange.end <= address { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
