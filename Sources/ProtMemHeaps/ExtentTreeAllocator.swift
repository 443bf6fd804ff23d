import ProtMemMemory

/// Address-ordered first fit over a balanced tree of free extents: the packing of the
/// kernel's `gen_pool_first_fit` (every allocation takes the lowest-addressed free run that
/// fits, in the chunks' order), at O(log n) a call instead of a scan of the bitmap.
///
/// Each chunk's free extents are the nodes of an AVL tree keyed by address; every node also
/// keeps the largest extent of its subtree, so the lowest extent that fits is found by one
/// descent (go left while the left subtree has room, else take the node, else go right).
/// Freeing finds the neighbours by address and merges with them, so free extents never touch
/// and the tree holds exactly the runs of clear bits `gen_pool`'s bitmap would hold.
///
/// The nodes live in an array beside the pool, not in it: a carve-out cannot hold headers
/// (it is firewalled and unmapped). A value type; the heaps guard it with a lock.
///
/// Complexity: `allocate` and `free` are O(chunks + log n) for n free extents;
/// ``freeExtents`` is O(n); ``largestFreeExtent`` is O(chunks).
public struct ExtentTreeAllocator: PoolAllocator, Hashable, Sendable {
    public struct Chunk: Hashable, Sendable {
        public let range: PhysicalRange
        /// `avail`: free bytes in this chunk.
        public internal(set) var available: UInt64
        /// The chunk's tree's root node, or ``ExtentTreeAllocator/none``.
        var root: Int32
    }

    /// One free extent and its subtree's summary.
    struct Node: Hashable, Sendable {
        var base: UInt64
        var size: UInt64
        /// The largest `size` in this node's subtree.
        var largest: UInt64
        var left: Int32
        var right: Int32
        var height: Int8
    }

    /// No node.
    static let none: Int32 = -1

    /// `min_alloc_order`: log2 of the granule.
    public let minAllocOrder: Int
    public private(set) var chunks: [Chunk] = []
    /// Every node, in use or not; a slot in ``spare`` is not.
    var nodes: [Node] = []
    /// Slots of ``nodes`` free for reuse, so the array stays as large as the most extents
    /// there ever were.
    var spare: [Int32] = []

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
        chunks.append(Chunk(range: range, available: range.size, root: Self.none))
        let node = makeNode(base: range.base.rawValue, size: range.size)
        chunks[chunks.count - 1].root = insert(chunks[chunks.count - 1].root, node)
    }

    /// The lowest-addressed fit of `size` bytes (rounded up to granules) in the first chunk
    /// that has one, or `nil`: what `gen_pool_alloc` returns.
    public mutating func allocate(_ size: UInt64) -> PhysicalAddress? {
        guard size > 0 else { return nil }
        let (rounded, overflow) = size.addingReportingOverflow(granule - 1)
        guard !overflow else { return nil }
        let bytes = rounded & ~(granule - 1)
        for index in chunks.indices where chunks[index].available >= bytes {
            let root = chunks[index].root
            guard largest(root) >= bytes else { continue }
            // Down to the lowest extent that fits, keeping the path for the way back up.
            var path = Path(repeating: Self.none)
            var depth = 0
            var current = root
            while true {
                path[depth] = current
                depth += 1
                let node = nodes[Int(current)]
                if largest(node.left) >= bytes {
                    current = node.left
                } else if node.size >= bytes {
                    break
                } else {
                    // The subtree has room and neither the left nor this node has: the right has.
                    current = node.right
                }
            }
            let node = nodes[Int(current)]
            if node.size == bytes {
                chunks[index].root = remove(root, base: node.base)
            } else {
                // The extent keeps its place between its neighbours, so only the largest
                // extents above it can change.
                nodes[Int(current)].base = node.base + bytes
                nodes[Int(current)].size = node.size - bytes
                refreshLargest(path, depth)
            }
            chunks[index].available -= bytes
            return PhysicalAddress(node.base)
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
        let root = chunks[index].root
        // One descent towards `end` finds the extent nearest below it (the only one that could
        // overlap the freed bytes, and the only one that could end at `start`) and the one
        // starting at `end`, if any, with the path to each.
        var path = Path(repeating: Self.none)
        var depth = 0, belowDepth = 0, aboveDepth = 0
        var below = Self.none, above = Self.none
        var current = root
        while current != Self.none {
            path[depth] = current
            depth += 1
            let key = nodes[Int(current)].base
            if key < end {
                below = current
                belowDepth = depth
                current = nodes[Int(current)].right
            } else {
                if key == end {
                    above = current
                    aboveDepth = depth
                }
                current = nodes[Int(current)].left
            }
        }
        var mergesLeft = false
        if below != Self.none {
            let node = nodes[Int(below)]
            guard node.base + node.size <= start else { throw .invalidArgument }
            mergesLeft = node.base + node.size == start
        }
        switch (mergesLeft, above != Self.none) {
        case (true, true):
            let right = nodes[Int(above)].size
            chunks[index].root = remove(root, base: end)
            let left = nodes[Int(below)]
            reshape(chunks[index].root, base: left.base, to: left.base, size: left.size + bytes + right)
        case (true, false):
            nodes[Int(below)].size += bytes
            refreshLargest(path, belowDepth)
        case (false, true):
            nodes[Int(above)].base = start
            nodes[Int(above)].size += bytes
            refreshLargest(path, aboveDepth)
        case (false, false):
            chunks[index].root = insert(root, makeNode(base: start, size: bytes))
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
            inOrder(chunk.root) { node in result.append(PhysicalRange(base: PhysicalAddress(node.base), size: node.size)!) }
        }
        return result
    }

    /// The largest free extent, in bytes: every root knows its tree's.
    public var largestFreeExtent: UInt64 {
        chunks.reduce(0) { max($0, largest($1.root)) }
    }

    /// Visits the extents of the tree at `root` in address order (iteratively: no recursion
    /// deeper than the tree's height, and no closure per level).
    func inOrder(_ root: Int32, _ body: (Node) -> Void) {
        var stack: [Int32] = []
        var current = root
        while current != Self.none || !stack.isEmpty {
            while current != Self.none {
                stack.append(current)
                current = nodes[Int(current)].left
            }
            let next = stack.removeLast()
            body(nodes[Int(next)])
            current = nodes[Int(next)].right
        }
    }
}
