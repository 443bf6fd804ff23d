/// Device tree overlays (`.dtbo`) applied the way libfdt's
/// `fdt_overlay_apply` applies them, so that the result is the tree
/// `fdtoverlay` would write, node and property order included.
///
/// The steps, in libfdt's order: shift every overlay phandle past the base's
/// largest; shift the overlay's references to its own nodes
/// (`__local_fixups__`) by the same amount; patch references to base labels
/// (`__fixups__`) with the phandles the base's `__symbols__` names; merge each
/// fragment's `__overlay__` into its `target` or `target-path` node; then
/// copy the overlay's `__symbols__` into the base with paths rewritten to
/// where the nodes landed, so later overlays can reference them.
///
/// Matches libfdt 1.6.1 (Debian's `device-tree-compiler`, which the tests
/// compare against). In particular an `__overlay__` node that carries a
/// phandle overwrites the phandle of the base node it merges into, as 1.6.1
/// does; libfdt 1.7 instead keeps the base's value.
extension DeviceTree {
    /// This tree with `overlay` applied. Throws without any partial result
    /// when libfdt would refuse the overlay.
    public func applying(overlay: DeviceTree) throws(DeviceTreeOverlayError) -> DeviceTree {
        try applying(overlays: [overlay])
    }

    /// This tree with `overlays` applied in order, each seeing the symbols
    /// and nodes the earlier ones added (as `fdtoverlay` applies a list).
    public func applying(overlays: some Sequence<DeviceTree>) throws(DeviceTreeOverlayError) -> DeviceTree {
        var result = self
        for (index, overlay) in overlays.enumerated() {
            var application = OverlayApplication(base: result.root, overlay: overlay.root)
            do {
                try application.run()
            } catch {
                throw DeviceTreeOverlayError(overlayIndex: index, reason: error)
            }
            result.root = application.base
        }
        return result
    }
}
