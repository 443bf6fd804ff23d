/// A Linux error number, with Linux's values whatever the host is.
///
/// The model answers with the numbers a real kernel returns, so it cannot borrow the host's
/// `errno` constants (Darwin numbers several of these differently). Shaped like swift-system's
/// `Errno`: a raw wrapper with readable names, and `~=` so that `catch Errno.invalidArgument`
/// works in a `do`/`catch`.
public struct Errno: RawRepresentable, Error, Hashable, Sendable, CustomStringConvertible {
    /// The positive Linux error number (the kernel returns its negation).
    public let rawValue: Int32

    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Operation not permitted. The corresponding C error is `EPERM`.
    public static let notPermitted = Errno(rawValue: 1)
    /// No such file or directory. The corresponding C error is `ENOENT`.
    public static let noSuchFileOrDirectory = Errno(rawValue: 2)
    /// No such process. The corresponding C error is `ESRCH`.
    public static let noSuchProcess = Errno(rawValue: 3)
    /// Interrupted system call. The corresponding C error is `EINTR`.
    public static let interrupted = Errno(rawValue: 4)
    /// No such device or address. The corresponding C error is `ENXIO`.
    public static let noSuchDeviceOrAddress = Errno(rawValue: 6)
    /// Bad file descriptor. The corresponding C error is `EBADF`.
    /// `E2BIG`: an extensible struct carries non-zero bytes past what the kernel knows.
    public static let argumentListTooLong = Errno(rawValue: 7)
    public static let badFileDescriptor = Errno(rawValue: 9)
    /// Out of memory. The corresponding C error is `ENOMEM`.
    public static let noMemory = Errno(rawValue: 12)
    /// Permission denied. The corresponding C error is `EACCES`.
    public static let permissionDenied = Errno(rawValue: 13)
    /// Bad address. The corresponding C error is `EFAULT`.
    public static let badAddress = Errno(rawValue: 14)
    /// Device or resource busy. The corresponding C error is `EBUSY`.
    public static let resourceBusy = Errno(rawValue: 16)
    /// File exists. The corresponding C error is `EEXIST`.
    public static let fileExists = Errno(rawValue: 17)
    /// No such device. The corresponding C error is `ENODEV`.
    public static let noSuchDevice = Errno(rawValue: 19)
    /// Not a directory. The corresponding C error is `ENOTDIR`.
    public static let notDirectory = Errno(rawValue: 20)
    /// Is a directory. The corresponding C error is `EISDIR`.
    public static let isDirectory = Errno(rawValue: 21)
    /// Invalid argument. The corresponding C error is `EINVAL`.
    public static let invalidArgument = Errno(rawValue: 22)
    /// Too many open files. The corresponding C error is `EMFILE`.
    public static let tooManyOpenFiles = Errno(rawValue: 24)
    /// Inappropriate ioctl for device. The corresponding C error is `ENOTTY`.
    public static let inappropriateIOCTLForDevice = Errno(rawValue: 25)
    /// No space left on device. The corresponding C error is `ENOSPC`.
    public static let noSpace = Errno(rawValue: 28)
    /// `ETIME`: a wait's deadline passed (`DRM_IOCTL_SYNCOBJ_WAIT`).
    public static let timerExpired = Errno(rawValue: 62)
    /// Illegal seek. The corresponding C error is `ESPIPE`.
    public static let illegalSeek = Errno(rawValue: 29)
    /// File name too long. The corresponding C error is `ENAMETOOLONG`.
    public static let nameTooLong = Errno(rawValue: 36)
    /// Value too large for defined data type. The corresponding C error is `EOVERFLOW`.
    public static let overflow = Errno(rawValue: 75)
    /// File descriptor in bad state. The corresponding C error is `EBADFD`.
    public static let badFileDescriptorState = Errno(rawValue: 77)
    /// Operation not supported. The corresponding C error is `EOPNOTSUPP`.
    public static let notSupported = Errno(rawValue: 95)
    /// Driver requests probe retry. The corresponding kernel-internal error is `EPROBE_DEFER`;
    /// it never reaches userspace.
    public static let probeDefer = Errno(rawValue: 517)

    /// The C macro name, as the kernel's headers spell it.
    public var name: String {
        Self.table[rawValue]?.name ?? "E\(rawValue)"
    }

    /// The text `strerror` gives on glibc.
    public var message: String {
        Self.table[rawValue]?.message ?? "Unknown error \(rawValue)"
    }

    public var description: String { "\(name) (\(message))" }

    private static let table: [Int32: (name: String, message: String)] = [
        1: ("EPERM", "Operation not permitted"),
        2: ("ENOENT", "No such file or directory"),
        3: ("ESRCH", "No such process"),
        4: ("EINTR", "Interrupted system call"),
        6: ("ENXIO", "No such device or address"),
        7: ("E2BIG", "Argument list too long"),
        9: ("EBADF", "Bad file descriptor"),
        12: ("ENOMEM", "Cannot allocate memory"),
        13: ("EACCES", "Permission denied"),
        14: ("EFAULT", "Bad address"),
        16: ("EBUSY", "Device or resource busy"),
        17: ("EEXIST", "File exists"),
        19: ("ENODEV", "No such device"),
        20: ("ENOTDIR", "Not a directory"),
        21: ("EISDIR", "Is a directory"),
        22: ("EINVAL", "Invalid argument"),
        62: ("ETIME", "Timer expired"),
        24: ("EMFILE", "Too many open files"),
        25: ("ENOTTY", "Inappropriate ioctl for device"),
        28: ("ENOSPC", "No space left on device"),
        29: ("ESPIPE", "Illegal seek"),
        36: ("ENAMETOOLONG", "File name too long"),
        75: ("EOVERFLOW", "Value too large for defined data type"),
        77: ("EBADFD", "File descriptor in bad state"),
        95: ("EOPNOTSUPP", "Operation not supported"),
        517: ("EPROBE_DEFER", "Driver requests probe retry"),
    ]

    /// Lets `catch Errno.invalidArgument` match any error that is that errno.
    @inlinable public static func ~= (lhs: Errno, rhs: any Error) -> Bool {
        (rhs as? Errno) == lhs
    }
}
