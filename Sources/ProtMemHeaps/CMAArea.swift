import ProtMemMemory

/// A contiguous memory area (`struct cma`): a reserved region handed out in page-aligned
/// runs by `cma_alloc`, first fit on a bitmap with one bit per page (`order_per_bit` 0).
public struct CMAArea: Hashable, Sendable {
    /// The area's name: the reserved-memory node's name, which the CMA heap takes.
    public let name: String
    public let range: PhysicalRange
    public private(set) var bitmap: PageBitmap

    /// `range` must be page-aligned and non-empty.
    public init?(name: String, range: PhysicalRange) {
        guard range.isPageAligned, !range.isEmpty, !name.isEmpty else { return nil }
        self.name = name
        self.range = range
        self.bitmap = PageBitmap(bitCount: Int(range.pageCount))
    }

    /// `cma_alloc(cma, count, align)`: `count` pages aligned to `2^align` pages (physically),
    /// or `nil`.
    public mutating func allocate(pages count: UInt64, align: Int) -> PhysicalRange? {
        guard count > 0, count <= range.pageCount, align >= 0, align < 64 else { return nil }
        let mask = (1 << align) - 1
        let offset = Int(range.base.pageFrameNumber & UInt64(mask))
        guard let start = bitmap.findZeroArea(count: Int(count), alignMask: mask, alignOffset: offset) else { return nil }
        bitmap.set(start, count: Int(count))
        return PhysicalRange(base: PhysicalAddress(range.base.rawValue + (UInt64(start) << pageShift)), size: count << pageShift)
    }

    /// `cma_release`: `EINVAL` (nothing changed) for pages this area did not hand out.
    public mutating func release(_ block: PhysicalRange) throws(Errno) {
        guard range.contains(block), block.isPageAligned, !block.isEmpty else { throw .invalidArgument }
        let start = Int((block.base.rawValue - range.base.rawValue) >> pageShift)
        guard bitmap.allSet(start, count: Int(block.pageCount)) else { throw .invalidArgument }
        bitmap.clear(start, count: Int(block.pageCount))
    }

    public var freePages: UInt64 { range.pageCount - UInt64(bitmap.setCount) }
}

/// `get_order(size)`: the smallest order whose block holds `size` bytes.
@inlinable public func pageOrder(for size: UInt64) -> Int {
    guard size > pageSize else { return 0 }
    return 64 - Int((size - 1) >> pageShift).leadingZeroBitCount
}
