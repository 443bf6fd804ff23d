/// Path, alias and phandle lookups with libfdt's `fdt_path_offset` rules.
extension DeviceTree {
    public var rootLocation: DeviceTreeLocation {
        DeviceTreeLocation(path: "/", node: root, ancestors: [])
    }

    /// Finds a node by absolute path (`/soc/gpu@fb000000`) or by an alias
    /// followed by an optional relative path (`serial2`, `mmc0/card@0`).
    ///
    /// Each component matches a child's full name first; a component without
    /// `@` then also matches a child's name before its unit address (so
    /// `/gpu` finds `gpu@fb000000`), as `fdt_path_offset` allows. Unlike
    /// libfdt, which takes the first such child, an ambiguous short name
    /// (two `memory@…` nodes) finds nothing rather than an arbitrary one.
    public func locate(_ path: String) -> DeviceTreeLocation? {
        if path.hasPrefix("/") {
            return descend(from: rootLocation, along: path[...])
        }
        let aliasEnd = path.firstIndex(of: "/") ?? path.endIndex
        let aliasName = String(path[..<aliasEnd])
        // An alias must name an absolute path; following aliases through
        // aliases could loop, and neither libfdt nor the kernel does it.
        guard !aliasName.isEmpty, let target = alias(aliasName), target.hasPrefix("/"),
              let base = descend(from: rootLocation, along: target[...])
        else { return nil }
        return descend(from: base, along: path[aliasEnd...])
    }

    public func node(atPath path: String) -> DeviceTreeNode? {
        locate(path)?.node
    }

    /// The path an `/aliases` entry names, without resolving it.
    public func alias(_ name: String) -> String? {
        guard let aliases = root.child(named: "aliases") else { return nil }
        return try? aliases.property(named: name)?.string()
    }

    /// The node whose phandle is `phandle` (0 and 0xffffffff never match).
    public func locate(phandle: UInt32) -> DeviceTreeLocation? {
        guard phandle != 0, phandle != UInt32.max else { return nil }
        return first(from: rootLocation) { $0.phandle == phandle }
    }

    public func node(withPhandle phandle: UInt32) -> DeviceTreeNode? {
        locate(phandle: phandle)?.node
    }

    /// Nodes whose `compatible` lists `identifier`, in blob order.
    public func locate(compatible identifier: String) -> [DeviceTreeLocation] {
        var found: [DeviceTreeLocation] = []
        collect(from: rootLocation, into: &found) { $0.isCompatible(with: identifier) }
        return found
    }

    private func descend(from start: DeviceTreeLocation, along path: Substring) -> DeviceTreeLocation? {
        var location = start
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            guard let child = Self.matchChild(of: location.node, component) else { return nil }
            location = location.descending(to: child)
        }
        return location
    }

    static func matchChild(of node: DeviceTreeNode, _ component: Substring) -> DeviceTreeNode? {
        if let exact = node.children.first(where: { $0.name == component }) {
            return exact
        }
        guard !component.contains("@") else { return nil }
        var match: DeviceTreeNode?
        for child in node.children where child.baseName == component {
            guard match == nil else { return nil }
            match = child
        }
        return match
    }

    private func first(
        from location: DeviceTreeLocation, where predicate: (DeviceTreeNode) -> Bool
    ) -> DeviceTreeLocation? {
        if predicate(location.node) { return location }
        for child in location.node.children {
            if let hit = first(from: location.descending(to: child), where: predicate) { return hit }
        }
        return nil
    }

    private func collect(
        from location: DeviceTreeLocation, into found: inout [DeviceTreeLocation],
        where predicate: (DeviceTreeNode) -> Bool
    ) {
        if predicate(location.node) { found.append(location) }
        for child in location.node.children {
            collect(from: location.descending(to: child), into: &found, where: predicate)
        }
    }
}
