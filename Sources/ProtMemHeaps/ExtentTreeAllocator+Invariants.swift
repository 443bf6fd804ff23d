extension ExtentTreeAllocator {
    /// Checks every chunk's tree: extents in address order, inside the chunk, on granules,
    /// never touching (freeing merges them); each node's height, balance and largest extent
    /// right; the free bytes matching `available`; every node slot either in a tree or spare.
    /// Traps with what is wrong; tests call it after every step.
    public func _checkInvariants() {
        var used = 0
        for chunk in chunks {
            var free: UInt64 = 0
            var previousEnd: UInt64?
            inOrder(chunk.root) { node in
                precondition(node.size > 0 && node.size % (1 << UInt64(minAllocOrder)) == 0 && node.base % (1 << UInt64(minAllocOrder)) == 0,
                             "extent tree: extent \(node.base)+\(node.size) is not whole granules")
                precondition(node.base >= chunk.range.base.rawValue && node.base + node.size <= chunk.range.end,
                             "extent tree: extent \(node.base)+\(node.size) outside its chunk \(chunk.range)")
                if let previousEnd { precondition(previousEnd < node.base, "extent tree: extents at \(node.base) overlap or touch their predecessor") }
                previousEnd = node.base + node.size
                free += node.size
                used += 1
            }
            precondition(free == chunk.available, "extent tree: free extents \(free) != avail \(chunk.available) of \(chunk.range)")
            _ = checkSubtree(chunk.root)
        }
        precondition(used + spare.count == nodes.count, "extent tree: \(used) nodes in trees + \(spare.count) spare != \(nodes.count)")
        precondition(Set(spare).count == spare.count, "extent tree: a spare slot listed twice")
    }

    /// The height of the subtree at `node`, checking its summaries and balance on the way.
    private func checkSubtree(_ node: Int32) -> Int8 {
        guard node != Self.none else { return 0 }
        let entry = nodes[Int(node)]
        let left = checkSubtree(entry.left), right = checkSubtree(entry.right)
        precondition(abs(Int(left) - Int(right)) <= 1, "extent tree: node at \(entry.base) out of balance")
        precondition(entry.height == max(left, right) + 1, "extent tree: stale height at \(entry.base)")
        precondition(entry.largest == max(entry.size, largest(entry.left), largest(entry.right)), "extent tree: stale largest extent at \(entry.base)")
        return entry.height
    }
}
