/// File status flags as `open(2)` and `dma_heap_allocation_data.fd_flags` carry them, with
/// Linux's generic values (the same on arm64 and x86-64).
public struct OpenFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// `O_RDONLY` is zero: it is the absence of the other two access modes.
    public static let readOnly: OpenFlags = []
    /// `O_WRONLY`
    public static let writeOnly = OpenFlags(rawValue: 0o1)
    /// `O_RDWR`
    public static let readWrite = OpenFlags(rawValue: 0o2)
    /// `O_ACCMODE`: the two access-mode bits.
    public static let accessModeMask = OpenFlags(rawValue: 0o3)
    /// `O_NONBLOCK`
    public static let nonBlocking = OpenFlags(rawValue: 0o4000)
    /// `O_CLOEXEC`
    public static let closeOnExec = OpenFlags(rawValue: 0o2000000)

    /// The access mode bits alone.
    @inlinable public var accessMode: OpenFlags { intersection(.accessModeMask) }
}

/// Whether a CPU mapping may write, as `PROT_WRITE`.
public enum MappingProtection: Sendable, Hashable {
    case readOnly
    case readWrite
}
