/// Node and property lookups with libfdt's exact rules, for code that must
/// reproduce libfdt's results (overlay application) rather than offer the
/// friendlier lookups of `DeviceTree+Paths.swift`.
///
/// Names are compared as bytes, as libfdt compares them: Swift's `==` on
/// `String` treats canonically equivalent names as equal, libfdt does not.
extension DeviceTreeNode {
    /// libfdt's `fdt_subnode_offset_namelen`: the first child whose name is
    /// `component`, or, when `component` has no `@`, starts with
    /// `component@`. First in blob order, not exact match first: for
    /// children `gpu@1` and `gpu`, "gpu" finds `gpu@1`.
    func libfdtChildIndex(_ component: some Collection<UInt8>) -> Int? {
        let wantsUnitAddress = component.contains(UInt8(ascii: "@"))
        for (index, child) in children.enumerated() {
            var name = child.name.utf8.makeIterator()
            var matched = true
            for byte in component {
                guard name.next() == byte else { matched = false; break }
            }
            guard matched else { continue }
            switch name.next() {
            case nil: return index
            case UInt8(ascii: "@") where !wantsUnitAddress: return index
            default: continue
            }
        }
        return nil
    }

    /// Index of the first property whose name is exactly `name` (byte-wise).
    func libfdtPropertyIndex(_ name: some Collection<UInt8>) -> Int? {
        properties.firstIndex { $0.name.utf8.elementsEqual(name) }
    }

    func libfdtProperty(_ name: String) -> DeviceTreeProperty? {
        libfdtPropertyIndex(name.utf8).map { properties[$0] }
    }

    /// libfdt's `fdt_setprop`: an existing property keeps its place and takes
    /// the new value; a new one goes in front of all others (libfdt splices
    /// it in right after the node's name).
    mutating func libfdtSetProperty(_ property: DeviceTreeProperty) {
        if let index = libfdtPropertyIndex(property.name.utf8) {
            properties[index].value = property.value
        } else {
            properties.insert(property, at: 0)
        }
    }

    /// libfdt's `fdt_get_phandle`: `phandle` when it is one cell, else
    /// `linux,phandle` when that is, else 0. Unlike `phandle`, returns the
    /// raw value, 0xffffffff included, as the maximum-phandle scan sees it.
    var libfdtPhandle: UInt32 {
        for name in ["phandle", "linux,phandle"] {
            if let property = libfdtProperty(name), let value = try? property.u32() { return value }
        }
        return 0
    }

    /// The node at a path of child indices (as produced by the lookups here).
    func descendant(at indices: ArraySlice<Int>) -> DeviceTreeNode {
        guard let first = indices.first else { return self }
        return children[first].descendant(at: indices.dropFirst())
    }

    /// Runs `body` on the node at a path of child indices, in place.
    mutating func modifyDescendant<Failure: Error>(
        at indices: ArraySlice<Int>, _ body: (inout DeviceTreeNode) throws(Failure) -> Void
    ) throws(Failure) {
        guard let first = indices.first else { return try body(&self) }
        try children[first].modifyDescendant(at: indices.dropFirst(), body)
    }

    /// libfdt's `fdt_get_path` for a path of child indices.
    func canonicalPath(of indices: ArraySlice<Int>) -> String {
        var node = self
        var path = ""
        for index in indices {
            node = node.children[index]
            path += "/" + node.name
        }
        return path.isEmpty ? "/" : path
    }

    /// Pre-order walk with index paths, the order `fdt_next_node` visits nodes.
    func firstIndexPath(where predicate: (DeviceTreeNode) -> Bool) -> [Int]? {
        if predicate(self) { return [] }
        for (index, child) in children.enumerated() {
            if let below = child.firstIndexPath(where: predicate) { return [index] + below }
        }
        return nil
    }
}
