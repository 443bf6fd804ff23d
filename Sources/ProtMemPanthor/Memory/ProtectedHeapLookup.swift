/// How the driver finds the protected heap by name, as each proposal has it: where the name
/// comes from, how it is compared, and what the probe does while no heap of that name is
/// registered. The design argument of 2025–26 in one value; a board or scenario picks one.
public struct ProtectedHeapLookup: Hashable, Sendable {
    /// Where the heap's name comes from.
    public enum NameSource: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// The January 2025 RFC: the GPU node's `protected-heap-name`, matched exactly
        /// (`dma_heap_find`).
        case rfc
        /// "[PATCH 4/8] drm/panthor: Add support for protected memory allocation" (May 2026):
        /// the module parameter `protected_heap_name`; unset or empty means no protected mode,
        /// and the probe goes on. Matched exactly (`dma_heap_find`, patches 1–2).
        case moduleParameter = "module-param"
        /// The series as its review asked: the name in the device tree (Maxime Ripard), looked
        /// up with `dma_heap_find_by_name`, which compares with `sysfs_streq` (Boris Brezillon),
        /// so a trailing newline on either name is ignored.
        case deviceTree = "device-tree"

        public var description: String { rawValue }
    }

    /// What the probe does when no heap of that name is registered.
    public enum WhenMissing: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// `-EPROBE_DEFER` until the heap registers (the RFC and the series).
        case deferProbe = "defer"
        /// `-ENODEV`, a failed probe that is never retried (Pixel's kbase protected memory
        /// allocator, `dma_heap_find("vframe-secure")`).
        case noSuchDevice = "enodev"
        /// The probe goes on without protected mode: the firmware boots without its protected
        /// sections and protected jobs stay blocked (Boris Brezillon's question in review, 7 May
        /// 2026: why defer at all).
        case withoutProtectedMode = "carry-on"

        public var description: String { rawValue }
    }

    public var source: NameSource
    public var whenMissing: WhenMissing
    /// `protected_heap_name` as the kernel was given it (``NameSource/moduleParameter`` only):
    /// `nil` uses the heap the board names, as an integrator setting it to match would.
    public var moduleParameter: String?

    public init(source: NameSource = .rfc, whenMissing: WhenMissing = .deferProbe, moduleParameter: String? = nil) {
        self.source = source
        self.whenMissing = whenMissing
        self.moduleParameter = moduleParameter
    }

    /// The name the driver looks up, given the one the device tree has; `nil` when the
    /// module parameter leaves protected mode off.
    public func name(deviceTree: String) -> String? {
        guard source == .moduleParameter else { return deviceTree }
        let name = moduleParameter ?? deviceTree
        return name.isEmpty ? nil : name
    }

    /// Whether a registered heap's name is the one looked up.
    public func matches(_ registered: String, _ wanted: String) -> Bool {
        source == .deviceTree ? Self.sysfsStreq(registered, wanted) : registered == wanted
    }

    /// `sysfs_streq`: equal but for one trailing newline on either side.
    static func sysfsStreq(_ a: String, _ b: String) -> Bool {
        func trimmed(_ s: String) -> Substring { s.hasSuffix("\n") ? s.dropLast() : s[...] }
        return trimmed(a) == trimmed(b)
    }
}
