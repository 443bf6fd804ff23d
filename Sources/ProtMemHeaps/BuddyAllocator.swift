import ProtMemMemory

/// The page allocator for the board's ordinary RAM, in the manner of the kernel's buddy
/// allocator: free blocks of `2^order` pages (orders 0…`MAX_PAGE_ORDER` = 10), split on
/// allocation and merged with their buddy on free.
///
/// Free lists are last-in first-out stacks, and never iterated through a hash order, so one
/// sequence of calls always yields the same pages. Each free block's head page records its
/// order and its place on its list (``heads``), as the kernel's `struct page` records
/// `PageBuddy` and `buddy_order`, so finding a buddy and taking it off its list are O(1):
/// `allocate` and `free` cost O(`MAX_PAGE_ORDER` + log spans), never a hash.
public struct BuddyAllocator: Sendable {
    /// `MAX_PAGE_ORDER` in Linux 6.12.
    public static let maxOrder = 10

    /// Per order, the free blocks' first page frame numbers, newest last. A block taken out
    /// of the middle (a buddy being merged) is replaced by the list's last.
    private var freeLists: [[UInt64]]
    /// Per managed page, span by span (``firstPage``): `slot << 4 | (order + 1)` when the
    /// page heads a free block of `order` at `freeLists[order][slot]`, else 0. Four bytes a
    /// page where the kernel's `struct page` spends 64, and only for pages that exist.
    private var heads: [UInt32]
    /// Where each span's pages start in ``heads``.
    private let firstPage: [Int]
    public let managed: [PhysicalRange]
    public private(set) var freePages: UInt64 = 0
    public let totalPages: UInt64
    /// One bit per managed page, set while the page is handed out, so a double or foreign free
    /// is refused instead of corrupting the lists: a bitmap per span of touching managed
    /// ranges (``spans``), so the metadata is proportional to the memory that exists, not to
    /// the distance between its lowest and highest page (two banks 256 TiB apart cost what
    /// their pages do, not a bit for every page of the gap).
    private var allocated: [PageBitmap]
    /// The managed ranges with touching ones joined, in address order: a block, even one
    /// merged from buddies, always lies inside one of them.
    public let spans: [PhysicalRange]

    /// Takes ownership of `ranges` (page-aligned, non-overlapping), all free.
    public init(managing ranges: [PhysicalRange]) {
        freeLists = Array(repeating: [], count: Self.maxOrder + 1)
        managed = ranges.sorted { $0.base < $1.base }
        totalPages = ranges.reduce(0) { $0 + $1.pageCount }
        precondition(totalPages < 1 << 28, "BuddyAllocator: \(totalPages) pages is more than a free-list slot can number")
        spans = Self.joined(managed)
        allocated = spans.map { PageBitmap(bitCount: Int($0.pageCount)) }
        var first: [Int] = []
        var pages = 0
        for span in spans {
            first.append(pages)
            pages += Int(span.pageCount)
        }
        firstPage = first
        heads = [UInt32](repeating: 0, count: pages)
        for range in managed {
            var pfn = range.base.pageFrameNumber
            let end = pfn + range.pageCount
            while pfn < end {
                var order = Self.maxOrder
                while order > 0 && (pfn & ((1 << UInt64(order)) - 1) != 0 || pfn + (1 << UInt64(order)) > end) {
                    order -= 1
                }
                push(pfn, order, page: headIndex(of: pfn))
                freePages += 1 << UInt64(order)
                pfn += 1 << UInt64(order)
            }
        }
    }

    /// `alloc_pages(order)`: the physical range of a free block, or `nil` when no block of
    /// that order or larger is free.
    public mutating func allocate(order: Int) -> PhysicalRange? {
        guard order >= 0, order <= Self.maxOrder else { return nil }
        guard var current = (order...Self.maxOrder).first(where: { !freeLists[$0].isEmpty }) else { return nil }
        let pfn = freeLists[current].removeLast()
        let span = spanIndex(of: pfn)
        let bit = Int(pfn - spans[span].base.pageFrameNumber)
        heads[firstPage[span] + bit] = 0
        while current > order {
            current -= 1
            push(pfn + (1 << UInt64(current)), current, page: firstPage[span] + bit + (1 << current))
        }
        freePages -= 1 << UInt64(order)
        allocated[span].set(bit, count: 1 << order)
        return PhysicalRange(base: PhysicalAddress(pfn << pageShift), size: pageSize << UInt64(order))
    }

    /// `__free_pages(page, order)`: returns a block and merges it with free buddies. `EINVAL`
    /// (nothing changed) when the block is not one this allocator handed out.
    public mutating func free(_ block: PhysicalRange) throws(Errno) {
        guard block.isPageAligned, block.pageCount.nonzeroBitCount == 1 else { throw .invalidArgument }
        var order = block.pageCount.trailingZeroBitCount
        var pfn = block.base.pageFrameNumber
        guard order <= Self.maxOrder, pfn & ((1 << UInt64(order)) - 1) == 0,
              spans.contains(where: { $0.contains(block) }) else { throw .invalidArgument }
        let span = spanIndex(of: pfn)
        let bit = Int(pfn - spans[span].base.pageFrameNumber)
        guard allocated[span].allSet(bit, count: 1 << order) else { throw .invalidArgument }
        allocated[span].clear(bit, count: 1 << order)
        freePages += 1 << UInt64(order)
        let spanBase = spans[span].base.pageFrameNumber, spanEnd = spanBase + spans[span].pageCount
        while order < Self.maxOrder {
            let buddy = pfn ^ (1 << UInt64(order))
            // A free buddy lies in the span: a block never crosses one's end.
            guard buddy >= spanBase, buddy < spanEnd else { break }
            let page = firstPage[span] + Int(buddy - spanBase)
            guard heads[page] & 0xF == UInt32(order + 1) else { break }
            remove(buddy, page: page, order: order)
            pfn = min(pfn, buddy)
            order += 1
        }
        push(pfn, order, page: firstPage[span] + Int(pfn - spanBase))
    }

    // MARK: Spans

    /// `ranges` (sorted, not overlapping) with touching neighbours joined.
    static func joined(_ ranges: [PhysicalRange]) -> [PhysicalRange] {
        var spans: [PhysicalRange] = []
        for range in ranges where !range.isEmpty {
            if let last = spans.last, last.end == range.base.rawValue {
                // Cannot wrap: `range` ends at a representable address.
                spans[spans.count - 1] = PhysicalRange(base: last.base, size: last.size + range.size)!
            } else {
                spans.append(range)
            }
        }
        return spans
    }

    /// The span holding page `pfn`, which must be a managed page: a binary search over the
    /// few spans a board has (one per hole the reserved regions leave).
    private func spanIndex(of pfn: UInt64) -> Int {
        var low = 0, high = spans.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if spans[middle].base.pageFrameNumber <= pfn { low = middle } else { high = middle - 1 }
        }
        return low
    }

    /// Bytes of allocator metadata that scale with memory: the allocated-page bitmaps, the
    /// head-page records and the free lists. What a test of a sparse board checks.
    public var metadataBytes: Int {
        let bitmaps = allocated.reduce(0) { $0 + $1.words.count * MemoryLayout<UInt64>.stride }
        let lists = freeLists.reduce(0) { $0 + $1.count } * MemoryLayout<UInt64>.stride
        return bitmaps + heads.count * MemoryLayout<UInt32>.stride + lists
    }

    /// Where page `pfn`, a managed one, sits in ``heads``.
    private func headIndex(of pfn: UInt64) -> Int {
        let span = spanIndex(of: pfn)
        return firstPage[span] + Int(pfn - spans[span].base.pageFrameNumber)
    }

    // MARK: Free lists

    /// Puts the block at `pfn` (whose head page is `page` in ``heads``) on its list.
    private mutating func push(_ pfn: UInt64, _ order: Int, page: Int) {
        heads[page] = UInt32(freeLists[order].count) << 4 | UInt32(order + 1)
        freeLists[order].append(pfn)
    }

    /// Takes the free block at `pfn` of `order` off its list: the list's last block takes its
    /// slot.
    private mutating func remove(_ pfn: UInt64, page: Int, order: Int) {
        let slot = Int(heads[page] >> 4)
        heads[page] = 0
        let last = freeLists[order].removeLast()
        if last != pfn {
            freeLists[order][slot] = last
            heads[headIndex(of: last)] = UInt32(slot) << 4 | UInt32(order + 1)
        }
    }

    /// Free blocks per order, as `/proc/buddyinfo` shows them.
    public var freeBlocksPerOrder: [Int] { freeLists.map(\.count) }

    /// Checks that the free lists, the head-page records and the free page count agree.
    public func _checkInvariants() {
        var pages: UInt64 = 0
        for (order, list) in freeLists.enumerated() {
            for (slot, pfn) in list.enumerated() {
                precondition(heads[headIndex(of: pfn)] == UInt32(slot) << 4 | UInt32(order + 1), "buddy head record out of step at pfn \(pfn)")
                precondition(pfn & ((1 << UInt64(order)) - 1) == 0, "buddy block at pfn \(pfn) misaligned for order \(order)")
                pages += 1 << UInt64(order)
            }
        }
        precondition(heads.reduce(0) { $0 + ($1 == 0 ? 0 : 1) } == freeLists.reduce(0) { $0 + $1.count }, "buddy head records for blocks on no list")
        precondition(pages == freePages, "buddy free count \(freePages) != \(pages) pages on the lists")
        precondition(UInt64(allocated.reduce(0) { $0 + $1.setCount }) + freePages == totalPages, "buddy allocated map out of step with the free count")
        precondition(zip(spans, allocated).allSatisfy { Int($0.pageCount) == $1.bitCount }, "buddy bitmap sizes out of step with the spans")
    }
}
