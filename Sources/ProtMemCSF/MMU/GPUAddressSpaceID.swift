/// Which GPU address space: the MCU's, where the firmware runs, or a context's (one per
/// panthor VM that userspace creates).
public enum GPUAddressSpaceID: Hashable, Sendable, Comparable, CustomStringConvertible {
    case mcu
    case context(UInt32)

    public var description: String {
        switch self {
        case .mcu: "mcu"
        case .context(let id): "context \(id)"
        }
    }
}

/// What a faulting GPU access was doing, with the encoding of the `AS_FAULTSTATUS` access-type
/// field (bits [9:8]).
public enum GPUAccessType: UInt8, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// `AS_FAULTSTATUS_ACCESS_TYPE_ATOMIC`: a read-modify-write, so it needs write permission.
    case atomic = 0
    /// `AS_FAULTSTATUS_ACCESS_TYPE_EX`: an instruction fetch.
    case execute = 1
    /// `AS_FAULTSTATUS_ACCESS_TYPE_READ`.
    case read = 2
    /// `AS_FAULTSTATUS_ACCESS_TYPE_WRITE`.
    case write = 3

    /// The name the kernel's fault messages print.
    public var description: String {
        switch self {
        case .atomic: "ATOMIC"
        case .execute: "EXECUTE"
        case .read: "READ"
        case .write: "WRITE"
        }
    }

    /// Whether `attributes` allow this access.
    func isPermitted(by attributes: GPUMappingAttributes) -> Bool {
        switch self {
        case .read: true
        case .write, .atomic: !attributes.contains(.readOnly)
        case .execute: !attributes.contains(.noExecute)
        }
    }
}
