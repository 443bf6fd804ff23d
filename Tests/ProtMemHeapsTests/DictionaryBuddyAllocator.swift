import ProtMemHeaps
import ProtMemMemory

/// The buddy allocator as it was before its free lists became O(1): kept here as the reference
/// the new one must match call for call. The page allocator for the board's ordinary RAM, in the manner of the kernel's buddy
/// allocator: free blocks of `2^order` pages (orders 0…`MAX_PAGE_ORDER` = 10), split on
/// allocation and merged with their buddy on free.
///
/// Free lists are last-in first-out, as the kernel's are, and never iterated through a hash
/// order, so one sequence of calls always yields the same pages.
struct DictionaryBuddyAllocator: Sendable {
    /// `MAX_PAGE_ORDER` in Linux 6.12.
    static let maxOrder = 10

    /// Per order, the free blocks' first page frame numbers, newest last.
    private var freeLists: [[UInt64]]
    /// Where each free block sits: its order and its index in that order's list.
    private var freeIndex: [UInt64: (order: Int, slot: Int)] = [:]
    let managed: [PhysicalRange]
    private(set) var freePages: UInt64 = 0
    let totalPages: UInt64
    /// One bit per managed page, set while the page is handed out, so a double or foreign free
    /// is refused instead of corrupting the lists: a bitmap per span of touching managed
    /// ranges (``spans``), so the metadata is proportional to the memory that exists, not to
    /// the distance between its lowest and highest page (two banks 256 TiB apart cost what
    /// their pages do, not a bit for every page of the gap).
    private var allocated: [PageBitmap]
    /// The managed ranges with touching ones joined, in address order: a block, even one
    /// merged from buddies, always lies inside one of them.
    let spans: [PhysicalRange]

    /// Takes ownership of `ranges` (page-aligned, non-overlapping), all free.
    init(managing ranges: [PhysicalRange]) {
        freeLists = Array(repeating: [], count: Self.maxOrder + 1)
        managed = ranges.sorted { $0.base < $1.base }
        totalPages = ranges.reduce(0) { $0 + $1.pageCount }
        spans = Self.joined(managed)
        allocated = spans.map { PageBitmap(bitCount: Int($0.pageCount)) }
        for range in managed {
            var pfn = range.base.pageFrameNumber
            let end = pfn + range.pageCount
            while pfn < end {
                var order = Self.maxOrder
                while order > 0 && (pfn & ((1 << UInt64(order)) - 1) != 0 || pfn + (1 << UInt64(order)) > end) {
                    order -= 1
                }
                push(pfn, order)
                freePages += 1 << UInt64(order)
                pfn += 1 << UInt64(order)
            }
        }
    }

    /// `alloc_pages(order)`: the physical range of a free block, or `nil` when no block of
    /// that order or larger is free.
    mutating func allocate(order: Int) -> PhysicalRange? {
        guard order >= 0, order <= Self.maxOrder else { return nil }
        guard var current = (order...Self.maxOrder).first(where: { !freeLists[$0].isEmpty }) else { return nil }
        let pfn = pop(current)
        while current > order {
            current -= 1
            push(pfn + (1 << UInt64(current)), current)
        }
        freePages -= 1 << UInt64(order)
        let span = spanIndex(of: pfn)
        allocated[span].set(Int(pfn - spans[span].base.pageFrameNumber), count: 1 << order)
        return PhysicalRange(base: PhysicalAddress(pfn << pageShift), size: pageSize << UInt64(order))
    }

    /// `__free_pages(page, order)`: returns a block and merges it with free buddies. `EINVAL`
    /// (nothing changed) when the block is not one this allocator handed out.
    mutating func free(_ block: PhysicalRange) throws(Errno) {
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
        while order < Self.maxOrder {
            let buddy = pfn ^ (1 << UInt64(order))
            guard let entry = freeIndex[buddy], entry.order == order else { break }
            remove(buddy)
            pfn = min(pfn, buddy)
            order += 1
        }
        push(pfn, order)
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

    /// Bytes of allocator metadata that scale with memory: the allocated-page bitmaps and the
    /// free lists with their index. What a test of a sparse board checks.
    var metadataBytes: Int {
        let bitmaps = allocated.reduce(0) { $0 + $1.words.count * MemoryLayout<UInt64>.stride }
        let lists = freeIndex.count * (MemoryLayout<UInt64>.stride * 2 + MemoryLayout<(order: Int, slot: Int)>.stride)
        return bitmaps + lists
    }

    // MARK: Free lists

    private mutating func push(_ pfn: UInt64, _ order: Int) {
        freeIndex[pfn] = (order, freeLists[order].count)
        freeLists[order].append(pfn)
    }

    private mutating func pop(_ order: Int) -> UInt64 {
        let pfn = freeLists[order].removeLast()
        freeIndex[pfn] = nil
        return pfn
    }

    private mutating func remove(_ pfn: UInt64) {
        guard let entry = freeIndex.removeValue(forKey: pfn) else { return }
        let last = freeLists[entry.order].removeLast()
        if last != pfn {
            freeLists[entry.order][entry.slot] = last
            freeIndex[last] = (entry.order, entry.slot)
        }
    }

    /// Free blocks per order, as `/proc/buddyinfo` shows them.
    var freeBlocksPerOrder: [Int] { freeLists.map(\.count) }

    /// Checks that the free lists, their index and the free page count agree.
    func _checkInvariants() {
        var pages: UInt64 = 0
        for (order, list) in freeLists.enumerated() {
            for (slot, pfn) in list.enumerated() {
                precondition(freeIndex[pfn].map { $0.order == order && $0.slot == slot } == true, "buddy index out of step at pfn \(pfn)")
                precondition(pfn & ((1 << UInt64(order)) - 1) == 0, "buddy block at pfn \(pfn) misaligned for order \(order)")
                pages += 1 << UInt64(order)
            }
        }
        precondition(freeIndex.count == freeLists.reduce(0) { $0 + $1.count }, "buddy index has stale entries")
        precondition(pages == freePages, "buddy free count \(freePages) != \(pages) pages on the lists")
        precondition(UInt64(allocated.reduce(0) { $0 + $1.setCount }) + freePages == totalPages, "buddy allocated map out of step with the free count")
        precondition(zip(spans, allocated).allSatisfy { Int($0.pageCount) == $1.bitCount }, "buddy bitmap sizes out of step with the spans")
    }
}
