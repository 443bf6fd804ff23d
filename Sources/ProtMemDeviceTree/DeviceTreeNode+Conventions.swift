/// Standard properties every consumer needs, with the kernel's rules for
/// absent or odd values, so callers do not each reinvent them slightly wrong.
extension DeviceTreeNode {
    /// `compatible` strings, most specific first; empty when absent or malformed.
    public var compatible: [String] {
        (try? property(named: "compatible")?.stringList()) ?? []
    }

    public func isCompatible(with identifier: String) -> Bool {
        compatible.contains(identifier)
    }

    /// `status` as a string, nil when absent or not a single string.
    public var status: String? {
        try? property(named: "status")?.string()
    }

    /// The kernel's `of_device_is_available`: a node is enabled when `status`
    /// is absent, "okay" or "ok"; any other value (including "disabled",
    /// "fail" and undecodable bytes) means the OS must leave it alone.
    public var isEnabled: Bool {
        guard property(named: "status") != nil else { return true }
        return status == "okay" || status == "ok"
    }

    /// The node's phandle as libfdt's `fdt_get_phandle` reads it: `phandle`
    /// if it is one cell, else legacy `linux,phandle`. 0 and 0xffffffff are
    /// not valid handles and read as nil.
    public var phandle: UInt32? {
        for name in ["phandle", "linux,phandle"] {
            if let property = property(named: name), let value = try? property.u32() {
                return value == 0 || value == UInt32.max ? nil : value
            }
        }
        return nil
    }
}
