/// A file descriptor: an index into one process's descriptor table, as `int fd` in C.
///
/// Numbers are per process, so a descriptor never crosses into another process by value;
/// passing one (as `SCM_RIGHTS` does) installs a new number in the receiver
/// (``UserProcess/send(_:to:closeOnExec:)``).
public struct FileDescriptor: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

    /// `-1`: what a caller passes where it has no descriptor; every call answers it with
    /// `EBADF`, as for any number that is not open.
    public static let invalid = FileDescriptor(rawValue: -1)

    public var description: String { "fd \(rawValue)" }
}

/// A process id, unique within one ``Userspace``; never reused.
public struct ProcessID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "pid \(rawValue)" }
}
