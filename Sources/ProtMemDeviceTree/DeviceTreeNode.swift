/// One node of the tree, owning its properties and children by value.
///
/// Order is kept exactly as in the blob because it is observable: `dtc`
/// prints it, drivers probe children in it, and a round trip must reproduce it.
public struct DeviceTreeNode: Sendable, Hashable {
    /// Full node name including any unit address (`gpu@fb000000`); empty for
    /// the root.
    public var name: String
    public var properties: [DeviceTreeProperty]
    public var children: [DeviceTreeNode]

    public init(name: String, properties: [DeviceTreeProperty] = [], children: [DeviceTreeNode] = []) {
        self.name = name
        self.properties = properties
        self.children = children
    }

    /// The name without its unit address (`gpu` for `gpu@fb000000`).
    public var baseName: Substring {
        name.firstIndex(of: "@").map { name[..<$0] } ?? name[...]
    }

    /// The unit address after `@`, or nil when the name has none.
    public var unitAddress: Substring? {
        name.firstIndex(of: "@").map { name[name.index(after: $0)...] }
    }

    /// First property with this name; the format does not forbid duplicates
    /// and libfdt, like this lookup, answers with the first.
    public func property(named name: String) -> DeviceTreeProperty? {
        properties.first { $0.name == name }
    }

    /// Child whose full name (with unit address) is `name`.
    public func child(named name: String) -> DeviceTreeNode? {
        children.first { $0.name == name }
    }

    /// Visits this node and all descendants depth-first in blob order, with
    /// each node's absolute path; stops early when `body` returns false.
    @discardableResult
    public func walk(path: String = "/", _ body: (String, DeviceTreeNode) throws -> Bool) rethrows -> Bool {
        guard try body(path, self) else { return false }
        for child in children {
            let childPath = path == "/" ? "/" + child.name : path + "/" + child.name
            guard try child.walk(path: childPath, body) else { return false }
        }
        return true
    }
}
