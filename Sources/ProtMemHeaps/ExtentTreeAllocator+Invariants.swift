extension ExtentTreeAllocator {
    /// Checks every chunk's tree: extents in address order, inside the chunk, on granules,
    /// never touching (freeing merges them); every leaf at the chunk's height, no node empty
    /// or over ``fanout``; each inner node's lowest addresses and largest extents those of
    /// its children; the free bytes matching `available`; every node slot either in a tree or
    /// spare. Traps with what is wrong; tests call it after every step.
    public func _checkInvariants() {
        var usedLeaves = 0, usedInners = 0
        for chunk in chunks {
            precondition((chunk.root == Self.none) == (chunk.height == 0), "extent tree: chunk \(chunk.range) has root \(chunk.root) at height \(chunk.height)")
            var free: UInt64 = 0
            var previousEnd: UInt64?
            forEachExtent(chunk) { base, size in
                precondition(size > 0 && size % (1 << UInt64(minAllocOrder)) == 0 && base % (1 << UInt64(minAllocOrder)) == 0,
                             "extent tree: extent \(base)+\(size) is not whole granules")
                precondition(base >= chunk.range.base.rawValue && base + size <= chunk.range.end, "extent tree: extent \(base)+\(size) outside its chunk \(chunk.range)")
                if let previousEnd { precondition(previousEnd < base, "extent tree: extent at \(base) overlaps or touches its predecessor") }
                previousEnd = base + size
                free += size
            }
            precondition(free == chunk.available, "extent tree: free extents \(free) != avail \(chunk.available) of \(chunk.range)")
            func check(_ node: Int32, _ height: Int) {
                if height == 1 {
                    usedLeaves += 1
                    precondition((1...Self.fanout).contains(Int(leafCount[Int(node)])), "extent tree: leaf \(node) holds \(leafCount[Int(node)]) extents")
                    return
                }
                usedInners += 1
                let count = Int(innerCount[Int(node)])
                precondition((1...Self.fanout).contains(count), "extent tree: inner node \(node) has \(count) children")
                for slot in Int(node) * Self.fanout..<Int(node) * Self.fanout + count {
                    let child = summary(of: innerChild[slot], height: height - 1)
                    precondition(innerLow[slot] == child.low && innerLargest[slot] == child.largest, "extent tree: stale summary of child \(slot) of node \(node)")
                    check(innerChild[slot], height - 1)
                }
            }
            if chunk.root != Self.none { check(chunk.root, chunk.height) }
        }
        precondition(leafBase.count == leafCount.count * Self.fanout && leafSize.count == leafBase.count
                     && innerChild.count == innerCount.count * Self.fanout && innerLow.count == innerChild.count && innerLargest.count == innerChild.count,
                     "extent tree: node arrays out of step")
        precondition(usedLeaves + spareLeaves.count == leafCount.count && usedInners + spareInners.count == innerCount.count,
                     "extent tree: nodes in trees and spare do not add up to the nodes made")
        precondition(Set(spareLeaves).count == spareLeaves.count && Set(spareInners).count == spareInners.count, "extent tree: a spare slot listed twice")
    }
}
