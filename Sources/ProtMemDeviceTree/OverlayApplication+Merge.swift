/// Fragments: each root child of the overlay with an `__overlay__` node is
/// merged into the base node its `target` (phandle) or `target-path` names.
extension OverlayApplication {
    /// Where a fragment lands, and the literal `target-path` when it used one
    /// (symbols are rewritten with that text, not the canonical path).
    struct Target {
        var indices: [Int]
        var literalPath: ArraySlice<UInt8>?
    }

    /// libfdt's `overlay_merge`: fragments in overlay order, each resolved
    /// against the base as merged so far.
    mutating func mergeFragments() throws(DeviceTreeOverlayError.Reason) {
        for fragment in overlay.children {
            guard let contents = fragment.libfdtChildIndex("__overlay__".utf8) else { continue }
            let target = try resolveTarget(of: fragment)
            base.modifyDescendant(at: target.indices[...]) { node in
                node.merge(fragment.children[contents])
            }
        }
    }

    /// libfdt's `overlay_get_target`: a non-zero `target` phandle wins,
    /// else `target-path` (a path or alias, resolved as C reads the string).
    func resolveTarget(of fragment: DeviceTreeNode) throws(DeviceTreeOverlayError.Reason) -> Target {
        if let target = fragment.libfdtProperty("target") {
            guard let phandle = try? target.u32() else {
                throw .malformedTarget(fragment: fragment.name, length: target.value.count)
            }
            guard phandle != UInt32.max else { throw .unresolvedTarget(fragment: fragment.name) }
            // `target = <0>` counts as no target, so `target-path` decides.
            if phandle != 0 {
                guard let indices = base.firstIndexPath(where: { $0.libfdtPhandle == phandle }) else {
                    throw .targetPhandleNotFound(fragment: fragment.name, phandle: phandle)
                }
                return Target(indices: indices, literalPath: nil)
            }
        }
        guard let targetPath = fragment.libfdtProperty("target-path") else {
            throw .fragmentWithoutTarget(fragment: fragment.name)
        }
        let path = targetPath.value.cString
        switch LibfdtPath.resolve(path, in: base) {
        case .success(let indices):
            return Target(indices: indices, literalPath: path)
        case .failure(let failure):
            throw .targetPathUnresolved(
                fragment: fragment.name, path: String(decoding: path, as: UTF8.self), failure: failure)
        }
    }
}

extension DeviceTreeNode {
    /// libfdt's `overlay_apply_node`: each property set (replaced in place or
    /// added in front), each child merged into the first existing child its
    /// name matches (`fdt_subnode_offset`, so `gpu` merges into
    /// `gpu@fb000000`) or else added in front of the existing children.
    /// Adding each in front reverses the order of several new ones, exactly
    /// as in libfdt's output.
    mutating func merge(_ source: DeviceTreeNode) {
        for property in source.properties {
            libfdtSetProperty(property)
        }
        for child in source.children {
            let index: Int
            if let existing = libfdtChildIndex(child.name.utf8) {
                index = existing
            } else {
                children.insert(DeviceTreeNode(name: child.name), at: 0)
                index = 0
            }
            children[index].merge(child)
        }
    }
}
