import ProtMemDMABuf

/// The open(2) flags beyond those the dma-buf core needs, with x86-64's values (where the
/// reference kernel ran; arm64 numbers `O_DIRECTORY`, `O_NOFOLLOW`, `O_DIRECT` and
/// `O_LARGEFILE` differently).
extension OpenFlags {
    public static let create = OpenFlags(rawValue: 0o100)
    public static let exclusive = OpenFlags(rawValue: 0o200)
    public static let noControllingTerminal = OpenFlags(rawValue: 0o400)
    public static let truncate = OpenFlags(rawValue: 0o1000)
    public static let append = OpenFlags(rawValue: 0o2000)
    public static let dataSync = OpenFlags(rawValue: 0o10000)
    /// `FASYNC`/`O_ASYNC`
    public static let async = OpenFlags(rawValue: 0o20000)
    public static let direct = OpenFlags(rawValue: 0o40000)
    public static let largeFile = OpenFlags(rawValue: 0o100000)
    public static let directory = OpenFlags(rawValue: 0o200000)
    public static let noFollow = OpenFlags(rawValue: 0o400000)
    public static let noAccessTime = OpenFlags(rawValue: 0o1000000)
    public static let sync = OpenFlags(rawValue: 0o4010000)
    public static let path = OpenFlags(rawValue: 0o10000000)

    /// `O_PATH_FLAGS`: all an `O_PATH` open keeps.
    static let pathFlags: OpenFlags = [.directory, .noFollow, .path, .closeOnExec]

    /// What `do_dentry_open` and `build_open_flags` leave in `f_flags`: no creation-time
    /// flags, no `O_CLOEXEC` (a descriptor property), plus `O_LARGEFILE`, which a 64-bit
    /// kernel forces on every open.
    var fileStatusFlags: OpenFlags {
        subtracting([.create, .exclusive, .noControllingTerminal, .truncate, .closeOnExec]).union(.largeFile)
    }
}
