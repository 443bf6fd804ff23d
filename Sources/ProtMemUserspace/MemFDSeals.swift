/// File seals (`F_ADD_SEALS`, `F_GET_SEALS`; `include/uapi/linux/fcntl.h`).
public struct MemFDSeals: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `F_SEAL_SEAL`: no more seals may be added.
    public static let seal = MemFDSeals(rawValue: 0x1)
    /// `F_SEAL_SHRINK`: the file may not shrink.
    public static let shrink = MemFDSeals(rawValue: 0x2)
    /// `F_SEAL_GROW`: the file may not grow.
    public static let grow = MemFDSeals(rawValue: 0x4)
    /// `F_SEAL_WRITE`: no writes, and no writable shared mapping.
    public static let write = MemFDSeals(rawValue: 0x8)
    /// `F_SEAL_FUTURE_WRITE`: no new writable shared mapping (existing ones stay).
    public static let futureWrite = MemFDSeals(rawValue: 0x10)
    /// `F_SEAL_EXEC`: the exec bits may not change; on an executable memfd it implies
    /// shrink, grow, write and future-write (`memfd_add_seals`: W^X from the start).
    public static let exec = MemFDSeals(rawValue: 0x20)

    /// `F_ALL_SEALS`
    public static let all: MemFDSeals = [.seal, .shrink, .grow, .write, .futureWrite, .exec]

    /// Whether writes through a shared mapping are sealed off (`is_write_sealed`).
    public var isWriteSealed: Bool { !intersection([.write, .futureWrite]).isEmpty }
}

/// `memfd_create` flags (`include/uapi/linux/memfd.h`).
public struct MemFDFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let closeOnExec = MemFDFlags(rawValue: 0x1)
    public static let allowSealing = MemFDFlags(rawValue: 0x2)
    public static let hugeTLB = MemFDFlags(rawValue: 0x4)
    public static let noExecSeal = MemFDFlags(rawValue: 0x8)
    public static let exec = MemFDFlags(rawValue: 0x10)
}
