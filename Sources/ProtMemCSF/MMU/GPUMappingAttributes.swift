/// How a mapping may be used, as the GPU page tables encode it.
///
/// The first three carry the values of panthor's `DRM_PANTHOR_VM_BIND_OP_MAP_*` flags, so a
/// bind op's flags convert directly. `protected` has no uAPI bit (its raw value is the model's
/// own): it marks pages that live in protected memory, which the GPU may reach only in
/// protected mode; the firewall enforces that, the MMU only records it.
public struct GPUMappingAttributes: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `DRM_PANTHOR_VM_BIND_OP_MAP_READONLY`: writes (and atomics) fault.
    public static let readOnly = Self(rawValue: 1 << 0)
    /// `DRM_PANTHOR_VM_BIND_OP_MAP_NOEXEC`: instruction fetches fault.
    public static let noExecute = Self(rawValue: 1 << 1)
    /// `DRM_PANTHOR_VM_BIND_OP_MAP_UNCACHED`: mapped non-cacheable.
    public static let uncached = Self(rawValue: 1 << 2)
    /// Backed by protected memory (model only, no uAPI bit).
    public static let protected = Self(rawValue: 1 << 16)

    public var description: String {
        var names: [String] = []
        if contains(.readOnly) { names.append("RO") }
        if contains(.noExecute) { names.append("NX") }
        if contains(.uncached) { names.append("UC") }
        if contains(.protected) { names.append("PROT") }
        return names.isEmpty ? "RW|X|cached" : names.joined(separator: "|")
    }
}
