import ProtMemMemory

/// Address-ordered first fit over a B+ tree of free extents: the packing of the kernel's
/// `gen_pool_first_fit` (every allocation takes the lowest-addressed free run that fits, in
/// the chunks' order), at O(log n) a call instead of a scan of the bitmap.
///
/// Each chunk's free extents are the entries of a B+ tree keyed by address, up to
/// ``fanout`` to a node; every inner node keeps, for each child, the lowest address and the
/// largest extent below it, so the lowest extent that fits is found by one descent (the first
/// child with room, level by level) and an extent by its address by another. Freeing finds the
/// neighbours by address and merges with them, so free extents never touch and the tree holds
/// exactly the runs of clear bits `gen_pool`'s bitmap would hold. Wide nodes keep a descent
/// to a few cache lines a level, so the cost grows slowly with the extents held.
///
/// The nodes live in arrays beside the pool, not in it: a carve-out cannot hold headers (it
/// is firewalled and unmapped). A value type; the heaps guard it with a lock.
///
/// Complexity: `allocate` and `free` are O(chunks + log n) for n free extents (each level a
/// scan of at most ``fanout`` slots); ``freeExtents`` is O(n); ``largestFreeExtent`` is
/// O(chunks · fanout).
public struct ExtentTreeAllocator: PoolAllocator, Hashable, Sendable {
    public struct Chunk: Hashable, Sendable {
        public let range: PhysicalRange
        /// `avail`: free bytes in this chunk.
        public internal(set) var available: UInt64
        /// The tree's root node, or ``ExtentTreeAllocator/none`` when nothing is free.
        var root: Int32
        /// Levels from the root to the leaves: 1 when the root is a leaf, 0 with no root.
        var height: Int
    }

    /// Slots a node has.
    static let fanout = 16

    /// No node.
    static let none: Int32 = -1

    /// `min_alloc_order`: log2 of the granule.
    public let minAllocOrder: Int
    public internal(set) var chunks: [Chunk] = []
    // The nodes, as flat arrays: node `n`'s slot `s` is element `n * fanout + s`. A leaf holds
    // up to `fanout` free extents in address order (base, size); an inner node up to
    // `fanout` children in address order, each with its subtree's lowest address and largest
    // extent. Flat arrays of words, not arrays of node structs, so a descent reads the slots
    // it compares and copies nothing.
    var leafCount: [Int32] = []
    var leafBase: [UInt64] = []
    var leafSize: [UInt64] = []
    var innerCount: [Int32] = []
    var innerChild: [Int32] = []
    var innerLow: [UInt64] = []
    var innerLargest: [UInt64] = []
    /// Node numbers free for reuse.
    var spareLeaves: [Int32] = []
    var spareInners: [Int32] = []

    public init(minAllocOrder: Int = Int(pageShift)) {
        precondition(minAllocOrder >= 0 && minAllocOrder < 32)
        self.minAllocOrder = minAllocOrder
    }

    private var granule: UInt64 { 1 << UInt64(minAllocOrder) }

    /// `gen_pool_add`, with its checks: `EINVAL` for a range that is empty, not a whole
    /// number of granules, or overlaps a chunk already added.
    public mutating func add(_ range: PhysicalRange) throws(Errno) {
        guard !range.isEmpty, range.size % granule == 0,
              !chunks.contains(where: { $0.range.overlaps(range) }) else { throw .invalidArgument }
        chunks.append(Chunk(range: range, available: range.size, root: makeLeaf(base: range.base.rawValue, size: range.size), height: 1))
    }

    /// The lowest-addressed fit of `size` bytes (rounded up to granules) in the first chunk
    /// that has one, or `nil`: what `gen_pool_alloc` returns.
    public mutating func allocate(_ size: UInt64) -> PhysicalAddress? {
        guard size > 0 else { return nil }
        let (rounded, overflow) = size.addingReportingOverflow(granule - 1)
        guard !overflow else { return nil }
        let bytes = rounded & ~(granule - 1)
        for index in chunks.indices where chunks[index].available >= bytes {
            guard let fit = firstFit(chunks[index], bytes) else { continue }
            if fit.size == bytes {
                removeExtent(chunk: index, base: fit.base)
            } else {
                // The extent keeps its place between its neighbours: only summaries change.
                reshape(chunk: index, base: fit.base, to: fit.base + bytes, size: fit.size - bytes)
            }
            chunks[index].available -= bytes
            return PhysicalAddress(fit.base)
        }
        return nil
    }

    /// `gen_pool_free`: returns `size` bytes (rounded up to granules) at `address` and merges
    /// them with the free extents they touch. `EINVAL`, and nothing changed, when any of
    /// those bytes is free already, lies outside every chunk, or `address` is not on a granule.
    public mutating func free(_ address: PhysicalAddress, size: UInt64) throws(Errno) {
        guard size > 0, let range = PhysicalRange(base: address, size: size),
              let index = chunks.firstIndex(where: { $0.range.contains(range) }) else { throw .invalidArgument }
        guard (address.rawValue - chunks[index].range.base.rawValue) % granule == 0 else { throw .invalidArgument }
        let bytes = (size + granule - 1) & ~(granule - 1)
        let start = address.rawValue, end = start + bytes
        // The extent below `end` nearest to it is the only one that could overlap the freed
        // bytes, and the only one that could end at `start`.
        let (below, next) = floor(chunks[index], before: end)
        if let below { guard below.base + below.size <= start else { throw .invalidArgument } }
        let mergesLeft = below.map { $0.base + $0.size == start } ?? false
        // The extent at `end` follows the one below in its leaf, or starts the next leaf.
        let above = next.map { $0.base == end ? $0.size : nil } ?? extent(chunks[index], at: end)
        switch (mergesLeft, above) {
        case (true, let right?):
            removeExtent(chunk: index, base: end)
            reshape(chunk: index, base: below!.base, to: below!.base, size: below!.size + bytes + right)
        case (true, nil):
            reshape(chunk: index, base: below!.base, to: below!.base, size: below!.size + bytes)
        case (false, let right?):
            reshape(chunk: index, base: end, to: start, size: right + bytes)
        case (false, nil):
            insertExtent(chunk: index, base: start, size: bytes)
        }
        chunks[index].available += bytes
    }

    /// `gen_pool_size`
    public var size: UInt64 { chunks.reduce(0) { $0 + $1.range.size } }
    /// `gen_pool_avail`
    public var available: UInt64 { chunks.reduce(0) { $0 + $1.available } }

    /// Every free extent, chunk by chunk in the order they were added, each in address order.
    public var freeExtents: [PhysicalRange] {
        var result: [PhysicalRange] = []
        for chunk in chunks {
            forEachExtent(chunk) { base, size in result.append(PhysicalRange(base: PhysicalAddress(base), size: size)!) }
        }
        return result
    }

    /// The largest free extent, in bytes: every root knows its tree's.
    public var largestFreeExtent: UInt64 {
        chunks.reduce(0) { max($0, summary(of: $1.root, height: $1.height).largest) }
    }

    /// Equal when the chunks and their free extents are: two pools that hand out the same
    /// addresses from now on, however their nodes are laid out.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.minAllocOrder == rhs.minAllocOrder && lhs.chunks.map(\.range) == rhs.chunks.map(\.range)
            && lhs.chunks.map(\.available) == rhs.chunks.map(\.available) && lhs.freeExtents == rhs.freeExtents
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(minAllocOrder)
        hasher.combine(chunks.map(\.range))
        hasher.combine(freeExtents)
    }
}
