/// A node together with the chain of nodes above it.
///
/// Nodes are values without parent links, yet decoding `reg` or `ranges`
/// depends on ancestors' `#address-cells`/`#size-cells`; a lookup therefore
/// returns the node with its ancestry instead of the node alone.
public struct DeviceTreeLocation: Sendable, Equatable {
    /// Canonical absolute path built from the real node names (`/soc/gpu@fb000000`).
    public var path: String
    public var node: DeviceTreeNode
    /// Root first, parent last; empty when `node` is the root.
    public var ancestors: [DeviceTreeNode]

    public init(path: String, node: DeviceTreeNode, ancestors: [DeviceTreeNode]) {
        self.path = path
        self.node = node
        self.ancestors = ancestors
    }

    public var parent: DeviceTreeNode? { ancestors.last }

    /// The location of one of this node's children.
    public func descending(to child: DeviceTreeNode) -> DeviceTreeLocation {
        DeviceTreeLocation(
            path: path == "/" ? "/" + child.name : path + "/" + child.name,
            node: child,
            ancestors: ancestors + [node])
    }
}
