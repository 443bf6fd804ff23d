/// The B+ tree under ``ExtentTreeAllocator``: leaves of extents and inner nodes of children
/// with their summaries (lowest address, largest extent), in flat arrays. All leaves lie at
/// the chunk's ``ExtentTreeAllocator/Chunk/height``; a node is never empty (the last extent
/// leaving a node takes the node with it). Changes go down recursively (a tree of 2^31
/// extents is at most a dozen levels) and refresh each summary on the way back.
extension ExtentTreeAllocator {
    /// A new leaf holding one extent.
    mutating func makeLeaf(base: UInt64, size: UInt64) -> Int32 {
        let node: Int32
        if let slot = spareLeaves.popLast() {
            node = slot
        } else {
            node = Int32(leafCount.count)
            leafCount.append(0)
            leafBase.append(contentsOf: repeatElement(0, count: Self.fanout))
            leafSize.append(contentsOf: repeatElement(0, count: Self.fanout))
        }
        leafCount[Int(node)] = 1
        leafBase[Int(node) * Self.fanout] = base
        leafSize[Int(node) * Self.fanout] = size
        return node
    }

    /// A new inner node with no children yet.
    mutating func makeInner() -> Int32 {
        if let slot = spareInners.popLast() {
            innerCount[Int(slot)] = 0
            return slot
        }
        innerCount.append(0)
        innerChild.append(contentsOf: repeatElement(Self.none, count: Self.fanout))
        innerLow.append(contentsOf: repeatElement(0, count: Self.fanout))
        innerLargest.append(contentsOf: repeatElement(0, count: Self.fanout))
        return Int32(innerCount.count - 1)
    }

    /// The lowest address and the largest extent of the subtree at `node`, `height` levels
    /// above the leaves (1: a leaf); zeros for no node.
    func summary(of node: Int32, height: Int) -> (low: UInt64, largest: UInt64) {
        guard node != Self.none else { return (0, 0) }
        let first = Int(node) * Self.fanout
        var largest: UInt64 = 0
        if height == 1 {
            for slot in first..<first + Int(leafCount[Int(node)]) { largest = max(largest, leafSize[slot]) }
            return (leafBase[first], largest)
        }
        for slot in first..<first + Int(innerCount[Int(node)]) { largest = max(largest, innerLargest[slot]) }
        return (innerLow[first], largest)
    }

    /// Sets child `slot` of inner node `node` to `child` with its summary.
    @inline(__always)
    mutating func setChild(_ node: Int, _ slot: Int, _ child: Int32, _ summary: (low: UInt64, largest: UInt64)) {
        let at = node * Self.fanout + slot
        innerChild[at] = child
        innerLow[at] = summary.low
        innerLargest[at] = summary.largest
    }

    /// The lowest-addressed extent of `chunk` that holds `size` bytes.
    func firstFit(_ chunk: Chunk, _ size: UInt64) -> (base: UInt64, size: UInt64)? {
        guard chunk.root != Self.none else { return nil }
        var node = Int(chunk.root)
        for _ in 1..<chunk.height {
            let first = node * Self.fanout, end = first + Int(innerCount[node])
            var slot = first
            while slot < end && innerLargest[slot] < size { slot += 1 }
            guard slot < end else { return nil }
            node = Int(innerChild[slot])
        }
        let first = node * Self.fanout
        for slot in first..<first + Int(leafCount[node]) where leafSize[slot] >= size { return (leafBase[slot], leafSize[slot]) }
        return nil
    }

    /// The child slot (counted from the node's first) of inner node `node` whose subtree
    /// holds `address` if any does: the last whose lowest address is at most `address`
    /// (strictly below it when `strictly`), else the first.
    @inline(__always)
    func route(_ node: Int, _ address: UInt64, strictly: Bool) -> Int {
        let first = node * Self.fanout, end = first + Int(innerCount[node])
        var slot = first
        if strictly {
            while slot + 1 < end && innerLow[slot + 1] < address { slot += 1 }
        } else {
            while slot + 1 < end && innerLow[slot + 1] <= address { slot += 1 }
        }
        return slot - first
    }

    /// The extent of `chunk` with the highest base below `address`, and the extent after it
    /// in the same leaf (`nil` when it is the leaf's last, or there is none below and the leaf
    /// may not be the first). Every lowest address in an inner node is exact, so the child
    /// routed to holds an extent below `address` if any lies below.
    func floor(_ chunk: Chunk, before address: UInt64) -> (below: (base: UInt64, size: UInt64)?, next: (base: UInt64, size: UInt64)?) {
        guard chunk.root != Self.none else { return (nil, nil) }
        var node = Int(chunk.root)
        for _ in 1..<chunk.height { node = Int(innerChild[node * Self.fanout + route(node, address, strictly: true)]) }
        let first = node * Self.fanout, end = first + Int(leafCount[node])
        var slot = end - 1
        while slot >= first && leafBase[slot] >= address { slot -= 1 }
        let next = slot >= first && slot + 1 < end ? (leafBase[slot + 1], leafSize[slot + 1]) : nil
        return (slot >= first ? (leafBase[slot], leafSize[slot]) : nil, next)
    }

    /// The size of the extent of `chunk` that starts at `address`, if there is one.
    func extent(_ chunk: Chunk, at address: UInt64) -> UInt64? {
        guard chunk.root != Self.none else { return nil }
        var node = Int(chunk.root)
        for _ in 1..<chunk.height { node = Int(innerChild[node * Self.fanout + route(node, address, strictly: false)]) }
        let first = node * Self.fanout
        for slot in first..<first + Int(leafCount[node]) where leafBase[slot] == address { return leafSize[slot] }
        return nil
    }

    /// Calls `body` with every extent of `chunk`, in address order.
    func forEachExtent(_ chunk: Chunk, _ body: (UInt64, UInt64) -> Void) {
        func visit(_ node: Int, _ height: Int) {
            let first = node * Self.fanout
            if height == 1 {
                for slot in first..<first + Int(leafCount[node]) { body(leafBase[slot], leafSize[slot]) }
            } else {
                for slot in first..<first + Int(innerCount[node]) { visit(Int(innerChild[slot]), height - 1) }
            }
        }
        if chunk.root != Self.none { visit(Int(chunk.root), chunk.height) }
    }

    // MARK: Changes

    /// Gives the extent at `base` a new base and size that keep it between its neighbours.
    mutating func reshape(chunk index: Int, base: UInt64, to newBase: UInt64, size: UInt64) {
        // The root's summary is kept nowhere: whatever comes back is not needed.
        _ = reshape(Int(chunks[index].root), chunks[index].height, base, newBase, size, was: (0, .max))
    }

    /// Reshapes the extent in the subtree at `node`, whose summary was `was`; its summary now,
    /// found without a scan of the node unless the extent that changed was its largest and
    /// shrank.
    private mutating func reshape(_ node: Int, _ height: Int, _ base: UInt64, _ newBase: UInt64, _ size: UInt64,
                                  was: (low: UInt64, largest: UInt64)) -> (low: UInt64, largest: UInt64) {
        let first = node * Self.fanout
        let old: UInt64
        if height == 1 {
            var slot = first
            while leafBase[slot] != base { slot += 1 }
            old = leafSize[slot]
            leafBase[slot] = newBase
            leafSize[slot] = size
        } else {
            let at = first + route(node, base, strictly: false)
            let child = innerChild[at]
            old = innerLargest[at]
            let now = reshape(Int(child), height - 1, base, newBase, size, was: (innerLow[at], old))
            innerLow[at] = now.low
            innerLargest[at] = now.largest
            return (innerLow[first], Self.largest(was.largest, changedFrom: old, to: now.largest) ?? summary(of: Int32(node), height: height).largest)
        }
        return (leafBase[first], Self.largest(was.largest, changedFrom: old, to: size) ?? summary(of: Int32(node), height: height).largest)
    }

    /// A node's largest extent after one of its slots went from `old` to `new`, when that
    /// can be told without a scan: `nil` when the slot held the largest and shrank.
    @inline(__always)
    static func largest(_ was: UInt64, changedFrom old: UInt64, to new: UInt64) -> UInt64? {
        if new >= was { return new }
        return old == was ? nil : was
    }

    /// Adds an extent that touches none.
    mutating func insertExtent(chunk index: Int, base: UInt64, size: UInt64) {
        let chunk = chunks[index]
        guard chunk.root != Self.none else {
            chunks[index].root = makeLeaf(base: base, size: size)
            chunks[index].height = 1
            return
        }
        guard let split = insert(Int(chunk.root), chunk.height, base, size) else { return }
        // The root split: a new root above both halves.
        let root = makeInner()
        setChild(Int(root), 0, chunk.root, summary(of: chunk.root, height: chunk.height))
        setChild(Int(root), 1, split, summary(of: split, height: chunk.height))
        innerCount[Int(root)] = 2
        chunks[index].root = root
        chunks[index].height = chunk.height + 1
    }

    /// Inserts into the subtree at `node`; the new right half when the node had to split.
    private mutating func insert(_ node: Int, _ height: Int, _ base: UInt64, _ size: UInt64) -> Int32? {
        let half = Self.fanout / 2
        if height == 1 {
            let first = node * Self.fanout
            var position = 0
            while position < Int(leafCount[node]) && leafBase[first + position] < base { position += 1 }
            guard leafCount[node] == Int32(Self.fanout) else {
                insertIntoLeaf(node, position, base, size)
                return nil
            }
            let right = splitLeaf(node)
            if position > half {
                insertIntoLeaf(Int(right), position - half, base, size)
            } else {
                insertIntoLeaf(node, position, base, size)
            }
            return right
        }
        let slot = route(node, base, strictly: true)
        let child = innerChild[node * Self.fanout + slot]
        let split = insert(Int(child), height - 1, base, size)
        setChild(node, slot, child, summary(of: child, height: height - 1))
        guard let split else { return nil }
        let entry = summary(of: split, height: height - 1)
        guard innerCount[node] == Int32(Self.fanout) else {
            insertIntoInner(node, slot + 1, split, entry)
            return nil
        }
        let right = splitInner(node)
        if slot + 1 > half {
            insertIntoInner(Int(right), slot + 1 - half, split, entry)
        } else {
            insertIntoInner(node, slot + 1, split, entry)
        }
        return right
    }

    private mutating func insertIntoLeaf(_ node: Int, _ position: Int, _ base: UInt64, _ size: UInt64) {
        let first = node * Self.fanout
        var slot = first + Int(leafCount[node])
        while slot > first + position {
            leafBase[slot] = leafBase[slot - 1]
            leafSize[slot] = leafSize[slot - 1]
            slot -= 1
        }
        leafBase[slot] = base
        leafSize[slot] = size
        leafCount[node] += 1
    }

    private mutating func insertIntoInner(_ node: Int, _ position: Int, _ child: Int32, _ summary: (low: UInt64, largest: UInt64)) {
        let first = node * Self.fanout
        var slot = first + Int(innerCount[node])
        while slot > first + position {
            innerChild[slot] = innerChild[slot - 1]
            innerLow[slot] = innerLow[slot - 1]
            innerLargest[slot] = innerLargest[slot - 1]
            slot -= 1
        }
        setChild(node, position, child, summary)
        innerCount[node] += 1
    }

    /// Moves the upper half of a full leaf to a new one, its right sibling.
    private mutating func splitLeaf(_ node: Int) -> Int32 {
        let half = Self.fanout / 2
        let right = makeLeaf(base: 0, size: 0)
        let from = node * Self.fanout, to = Int(right) * Self.fanout
        for slot in half..<Self.fanout {
            leafBase[to + slot - half] = leafBase[from + slot]
            leafSize[to + slot - half] = leafSize[from + slot]
        }
        leafCount[Int(right)] = Int32(Self.fanout - half)
        leafCount[node] = Int32(half)
        return right
    }

    private mutating func splitInner(_ node: Int) -> Int32 {
        let half = Self.fanout / 2
        let right = makeInner()
        let from = node * Self.fanout, to = Int(right) * Self.fanout
        for slot in half..<Self.fanout {
            innerChild[to + slot - half] = innerChild[from + slot]
            innerLow[to + slot - half] = innerLow[from + slot]
            innerLargest[to + slot - half] = innerLargest[from + slot]
        }
        innerCount[Int(right)] = Int32(Self.fanout - half)
        innerCount[node] = Int32(half)
        return right
    }

    /// Removes the extent at `base`, which the chunk must hold.
    mutating func removeExtent(chunk index: Int, base: UInt64) {
        let chunk = chunks[index]
        if remove(Int(chunk.root), chunk.height, base) {
            chunks[index].root = Self.none
            chunks[index].height = 0
            return
        }
        // A root with one child hands the tree to it.
        while chunks[index].height > 1, innerCount[Int(chunks[index].root)] == 1 {
            let old = chunks[index].root
            chunks[index].root = innerChild[Int(old) * Self.fanout]
            chunks[index].height -= 1
            spareInners.append(old)
        }
    }

    /// Removes `base` from the subtree at `node`; whether the subtree is now empty (its node
    /// is then spare).
    private mutating func remove(_ node: Int, _ height: Int, _ base: UInt64) -> Bool {
        let first = node * Self.fanout
        if height == 1 {
            let end = first + Int(leafCount[node])
            var slot = first
            while slot < end && leafBase[slot] != base { slot += 1 }
            precondition(slot < end, "extent tree: no extent at \(base) to remove")
            while slot + 1 < end {
                leafBase[slot] = leafBase[slot + 1]
                leafSize[slot] = leafSize[slot + 1]
                slot += 1
            }
            leafCount[node] -= 1
            if leafCount[node] == 0 { spareLeaves.append(Int32(node)) }
            return leafCount[node] == 0
        }
        let slot = route(node, base, strictly: false)
        let child = innerChild[first + slot]
        guard remove(Int(child), height - 1, base) else {
            setChild(node, slot, child, summary(of: child, height: height - 1))
            return false
        }
        let end = first + Int(innerCount[node])
        var at = first + slot
        while at + 1 < end {
            innerChild[at] = innerChild[at + 1]
            innerLow[at] = innerLow[at + 1]
            innerLargest[at] = innerLargest[at + 1]
            at += 1
        }
        innerCount[node] -= 1
        if innerCount[node] == 0 { spareInners.append(Int32(node)) }
        return innerCount[node] == 0
    }
}
