/// Renumbering the overlay's own phandles and the references to them.
extension DeviceTreeNode {
    /// libfdt's `overlay_adjust_node_phandles`: adds `delta` to `phandle`
    /// and `linux,phandle` of this node and every descendant, pre-order.
    mutating func shiftPhandles(by delta: UInt32, path: String) throws(DeviceTreeOverlayError.Reason) {
        for name in ["phandle", "linux,phandle"] {
            guard let index = libfdtPropertyIndex(name.utf8) else { continue }
            let property = properties[index]
            guard let value = try? property.u32() else {
                throw .malformedPhandle(node: path, property: name, length: property.value.count)
            }
            let (shifted, overflow) = value.addingReportingOverflow(delta)
            guard !overflow, shifted != UInt32.max else {
                throw .phandleOverflow(node: path, property: name, phandle: value, delta: delta)
            }
            properties[index] = DeviceTreeProperty(name: name, cells: [shifted])
        }
        for index in children.indices {
            let childPath = OverlayApplication.path(path, child: children[index].name)
            try children[index].shiftPhandles(by: delta, path: childPath)
        }
    }
}

extension OverlayApplication {
    /// libfdt's `overlay_update_local_references`: `/__local_fixups__`
    /// mirrors the overlay's node structure, and each of its properties lists
    /// byte offsets of phandle cells in the same-named overlay property.
    mutating func shiftLocalReferences(by delta: UInt32) throws(DeviceTreeOverlayError.Reason) {
        guard case .success(let fixupsPath) = LibfdtPath.resolve("/__local_fixups__".utf8, in: overlay) else {
            return // no references to the overlay's own nodes
        }
        let fixups = overlay.descendant(at: fixupsPath[...])
        try overlay.shiftReferences(
            listedIn: fixups, fixupPath: overlay.canonicalPath(of: fixupsPath[...]), path: "/", by: delta)
    }
}

extension DeviceTreeNode {
    /// libfdt 1.6.1's `overlay_update_local_node_references`, for this
    /// overlay node (at `path`) and its mirror `fixups` (at `fixupPath`).
    /// A fixup offset whose cell does not fit is refused outright; libfdt
    /// reads the cell before checking and, for offsets within 4 of 2³², writes
    /// outside the property.
    mutating func shiftReferences(
        listedIn fixups: DeviceTreeNode, fixupPath: String, path: String, by delta: UInt32
    ) throws(DeviceTreeOverlayError.Reason) {
        for fixup in fixups.properties {
            let offsets: [UInt32]
            do {
                offsets = try fixup.cells()
            } catch {
                throw .localFixupNotCells(fixupNode: fixupPath, property: fixup.name, length: fixup.value.count)
            }
            guard let index = libfdtPropertyIndex(fixup.name.utf8) else {
                throw .localFixupPropertyMissing(node: path, property: fixup.name)
            }
            for offset in offsets {
                let length = properties[index].value.count
                guard UInt64(offset) + 4 <= UInt64(length) else {
                    throw .localFixupOffsetOutOfRange(node: path, property: fixup.name, offset: offset, length: length)
                }
                let start = Int(offset)
                let cell = properties[index].cell(at: start)
                properties[index].setCell(cell &+ delta, at: start)
            }
        }
        for fixupChild in fixups.children {
            let childFixupPath = OverlayApplication.path(fixupPath, child: fixupChild.name)
            guard let index = libfdtChildIndex(fixupChild.name.utf8) else {
                throw .localFixupNodeMissing(
                    fixupNode: childFixupPath, node: OverlayApplication.path(path, child: fixupChild.name))
            }
            let childPath = OverlayApplication.path(path, child: children[index].name)
            try children[index].shiftReferences(
                listedIn: fixupChild, fixupPath: childFixupPath, path: childPath, by: delta)
        }
    }
}

extension DeviceTreeProperty {
    /// The big-endian cell at a byte offset (which need not be 4-aligned:
    /// fixups may point anywhere in a property). The caller checks bounds.
    func cell(at offset: Int) -> UInt32 {
        value[offset..<(offset + 4)].reduce(0) { ($0 << 8) | UInt32($1) }
    }

    mutating func setCell(_ cell: UInt32, at offset: Int) {
        for byte in 0..<4 {
            value[offset + byte] = UInt8(truncatingIfNeeded: cell >> (24 - 8 * UInt32(byte)))
        }
    }
}
