/// One `fdt_overlay_apply` call on private copies of the two trees.
///
/// Nodes are addressed by child-index paths, the value-tree counterpart of
/// libfdt's node offsets; like offsets they are recomputed after every
/// insertion rather than kept.
struct OverlayApplication {
    var base: DeviceTreeNode
    var overlay: DeviceTreeNode

    mutating func run() throws(DeviceTreeOverlayError.Reason) {
        let delta = Self.maximumPhandle(in: base)
        try overlay.shiftPhandles(by: delta, path: "/")
        try shiftLocalReferences(by: delta)
        try resolveBaseReferences()
        try mergeFragments()
        try mergeSymbols()
    }

    /// libfdt's `fdt_find_max_phandle`: the largest raw phandle of any node.
    static func maximumPhandle(in root: DeviceTreeNode) -> UInt32 {
        var maximum = root.libfdtPhandle
        for child in root.children {
            maximum = max(maximum, maximumPhandle(in: child))
        }
        return maximum
    }

    /// Path of a child below `path`, as the error messages print it.
    static func path(_ path: String, child: String) -> String {
        path == "/" ? "/" + child : path + "/" + child
    }
}
