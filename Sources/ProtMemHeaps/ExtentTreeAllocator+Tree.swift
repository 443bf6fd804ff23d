/// The AVL tree under ``ExtentTreeAllocator``: nodes keyed by base address, each with its
/// subtree's height and largest extent, in one array indexed by `Int32` (half the size of
/// `Int`, and no reference counting as class nodes would need).
extension ExtentTreeAllocator {
    /// The nodes from a root down to one node, on the stack: an AVL tree of 2^31 nodes is at
    /// most 45 high.
    typealias Path = InlineArray<64, Int32>

    /// Recomputes the largest extent of `path[depth - 1]`, whose extent changed size, and of
    /// the nodes above it, up to the first whose largest extent stays the same (the ones
    /// above that one cannot change either).
    mutating func refreshLargest(_ path: Path, _ depth: Int) {
        var level = depth - 1
        while level >= 0 {
            let index = Int(path[level])
            let updated = max(nodes[index].size, largest(nodes[index].left), largest(nodes[index].right))
            if updated == nodes[index].largest { return }
            nodes[index].largest = updated
            level -= 1
        }
    }

    func height(_ node: Int32) -> Int8 { node == Self.none ? 0 : nodes[Int(node)].height }
    func largest(_ node: Int32) -> UInt64 { node == Self.none ? 0 : nodes[Int(node)].largest }

    /// A new detached node, in a spare slot when there is one.
    mutating func makeNode(base: UInt64, size: UInt64) -> Int32 {
        let node = Node(base: base, size: size, largest: size, left: Self.none, right: Self.none, height: 1)
        if let slot = spare.popLast() {
            nodes[Int(slot)] = node
            return slot
        }
        nodes.append(node)
        return Int32(nodes.count - 1)
    }

    /// Gives the node at `base` a new base and size that keep it between its neighbours,
    /// and refreshes the largest extent on the path to it.
    mutating func reshape(_ root: Int32, base: UInt64, to newBase: UInt64, size: UInt64) {
        let index = Int(root)
        let key = nodes[index].base
        if base < key {
            reshape(nodes[index].left, base: base, to: newBase, size: size)
        } else if base > key {
            reshape(nodes[index].right, base: base, to: newBase, size: size)
        } else {
            nodes[index].base = newBase
            nodes[index].size = size
        }
        nodes[index].largest = max(nodes[index].size, largest(nodes[index].left), largest(nodes[index].right))
    }

    /// Inserts the detached `node` into the tree at `root`; returns the new root.
    mutating func insert(_ root: Int32, _ node: Int32) -> Int32 {
        guard root != Self.none else { return node }
        if nodes[Int(node)].base < nodes[Int(root)].base {
            nodes[Int(root)].left = insert(nodes[Int(root)].left, node)
        } else {
            nodes[Int(root)].right = insert(nodes[Int(root)].right, node)
        }
        return rebalance(root)
    }

    /// Removes the node at `base` (which must be in the tree) and frees its slot; returns the
    /// new root.
    mutating func remove(_ root: Int32, base: UInt64) -> Int32 {
        precondition(root != Self.none, "extent tree: no extent at \(base) to remove")
        let index = Int(root)
        if base < nodes[index].base {
            nodes[index].left = remove(nodes[index].left, base: base)
            return rebalance(root)
        }
        if base > nodes[index].base {
            nodes[index].right = remove(nodes[index].right, base: base)
            return rebalance(root)
        }
        let (left, right) = (nodes[index].left, nodes[index].right)
        spare.append(root)
        guard right != Self.none else { return left }
        let (rest, successor) = removeFirst(right)
        nodes[Int(successor)].left = left
        nodes[Int(successor)].right = rest
        return rebalance(successor)
    }

    /// Detaches the lowest node of the tree at `root`: the rest's root, and the node.
    private mutating func removeFirst(_ root: Int32) -> (rest: Int32, first: Int32) {
        let left = nodes[Int(root)].left
        guard left != Self.none else { return (nodes[Int(root)].right, root) }
        let (rest, first) = removeFirst(left)
        nodes[Int(root)].left = rest
        return (rebalance(root), first)
    }

    private mutating func refresh(_ node: Int32) {
        let index = Int(node)
        let (left, right) = (nodes[index].left, nodes[index].right)
        nodes[index].height = max(height(left), height(right)) + 1
        nodes[index].largest = max(nodes[index].size, largest(left), largest(right))
    }

    private mutating func rotateRight(_ node: Int32) -> Int32 {
        let left = nodes[Int(node)].left
        nodes[Int(node)].left = nodes[Int(left)].right
        nodes[Int(left)].right = node
        refresh(node)
        refresh(left)
        return left
    }

    private mutating func rotateLeft(_ node: Int32) -> Int32 {
        let right = nodes[Int(node)].right
        nodes[Int(node)].right = nodes[Int(right)].left
        nodes[Int(right)].left = node
        refresh(node)
        refresh(right)
        return right
    }

    /// Restores the AVL balance at `node` after one of its subtrees changed height by one.
    private mutating func rebalance(_ node: Int32) -> Int32 {
        refresh(node)
        let (left, right) = (nodes[Int(node)].left, nodes[Int(node)].right)
        let balance = Int(height(left)) - Int(height(right))
        if balance > 1 {
            if height(nodes[Int(left)].left) < height(nodes[Int(left)].right) { nodes[Int(node)].left = rotateLeft(left) }
            return rotateRight(node)
        }
        if balance < -1 {
            if height(nodes[Int(right)].right) < height(nodes[Int(right)].left) { nodes[Int(node)].right = rotateRight(right) }
            return rotateLeft(node)
        }
        return node
    }
}
