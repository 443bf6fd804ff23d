import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Files on the host (not in the model): scenarios, firmware images, device tree blobs read,
/// and reports and traces written. Every failure names the path and the host's `errno`, in
/// `strerror`'s words with the C name (`No such file or directory (ENOENT)`), as `cat` or
/// `cp` would say it.
///
/// The file is opened, checked and closed with the C library's calls; its bytes are read and
/// written through Foundation's `FileHandle` over that descriptor, which owns the buffers
/// (no pointer into one is made here), and whose errors carry the host's errno as their
/// underlying POSIX error.
public enum HostFile {
    /// Why a host file could not be read or written.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public enum Operation: String, Hashable, Sendable {
            case read, write
        }

        public let path: String
        public let operation: Operation
        public let errno: HostErrno
        /// What the errno means here, when the path alone does not say it (the directory
        /// that does not exist for a file written into it).
        public let detail: String?

        public init(path: String, operation: Operation, errno: HostErrno, detail: String? = nil) {
            self.path = path
            self.operation = operation
            self.errno = errno
            self.detail = detail
        }

        /// `No such file or directory (ENOENT)`, and the detail if there is one.
        public var reason: String { errno.description + (detail.map { ": \($0)" } ?? "") }

        /// `PATH: cannot read: No such file or directory (ENOENT)`.
        public var description: String { "\(path): cannot \(operation.rawValue): \(reason)" }
    }

    /// The whole file. A directory fails with `EISDIR`, as `read(2)` answers on Linux.
    public static func read(_ path: String) throws(Failure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure(path: path, operation: .read, errno: .current) }
        defer { close(fd) }
        var status = stat()
        if fstat(fd, &status) == 0, (status.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) {
            throw Failure(path: path, operation: .read, errno: HostErrno(rawValue: EISDIR))
        }
        do {
            return try FileHandle(fileDescriptor: fd, closeOnDealloc: false).readToEnd().map { [UInt8]($0) } ?? []
        } catch {
            throw Failure(path: path, operation: .read, errno: HostErrno(underlying: error))
        }
    }

    /// Creates or truncates `path` and writes `bytes`. A path whose directory is missing
    /// fails with `ENOENT` and says which directory.
    public static func write(_ bytes: [UInt8], to path: String) throws(Failure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            let error = HostErrno.current
            throw Failure(path: path, operation: .write, errno: error, detail: error.rawValue == ENOENT ? missingDirectory(of: path) : nil)
        }
        do {
            try FileHandle(fileDescriptor: fd, closeOnDealloc: false).write(contentsOf: bytes)
        } catch {
            close(fd)
            throw Failure(path: path, operation: .write, errno: HostErrno(underlying: error))
        }
        if close(fd) != 0 { throw Failure(path: path, operation: .write, errno: .current) }
    }

    /// Fails as ``write(_:to:)`` would, without creating or truncating anything: for output
    /// paths checked before a long run rather than after it. A directory fails with `EISDIR`,
    /// a missing directory with `ENOENT`, one the user may not write into with `EACCES`.
    public static func checkWritable(_ path: String) throws(Failure) {
        var status = stat()
        if stat(path, &status) == 0 {
            if (status.st_mode & mode_t(S_IFMT)) == mode_t(S_IFDIR) {
                throw Failure(path: path, operation: .write, errno: HostErrno(rawValue: EISDIR))
            }
            if access(path, W_OK) != 0 { throw Failure(path: path, operation: .write, errno: .current) }
            return
        }
        let directory = path.lastIndex(of: "/").map { path[..<$0].isEmpty ? "/" : String(path[..<$0]) } ?? "."
        if access(directory, W_OK | X_OK) != 0 {
            let error = HostErrno.current
            throw Failure(path: path, operation: .write, errno: error, detail: error.rawValue == ENOENT ? missingDirectory(of: path) : nil)
        }
    }

    public static func write(_ text: String, to path: String) throws(Failure) {
        try write(Array(text.utf8), to: path)
    }

    /// `the directory D does not exist` for the nearest missing ancestor of `path`'s directory.
    static func missingDirectory(of path: String) -> String? {
        guard let slash = path.lastIndex(of: "/") else { return nil }
        var directory = String(path[..<slash])
        if directory.isEmpty { return nil }
        var status = stat()
        guard stat(directory, &status) != 0 else { return nil }
        // Walk up to the first ancestor that is missing while its parent exists.
        while let up = directory.lastIndex(of: "/"), up != directory.startIndex {
            let parent = String(directory[..<up])
            if stat(parent, &status) == 0 { break }
            directory = parent
        }
        return "the directory \(directory) does not exist"
    }
}

/// An error number from the host's C library (not the model's ``Errno``, whose numbers are
/// Linux's whatever the host): `strerror`'s text and the C name.
public struct HostErrno: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// The calling thread's `errno`.
    public static var current: HostErrno { HostErrno(rawValue: errno) }

    /// The errno behind a `FileHandle` failure: its underlying POSIX error (Foundation wraps
    /// it in a Cocoa error), else `EIO`.
    init(underlying error: any Error) {
        let error = error as NSError
        if error.domain == NSPOSIXErrorDomain, let code = Int32(exactly: error.code) {
            self.init(rawValue: code)
        } else if let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
                  let code = Int32(exactly: underlying.code) {
            self.init(rawValue: code)
        } else {
            self.init(rawValue: EIO)
        }
    }

    /// The C name (`ENOENT`), or `errno N` for one this table does not list.
    public var name: String {
        switch rawValue {
        case EPERM: "EPERM"
        case ENOENT: "ENOENT"
        case EIO: "EIO"
        case EBADF: "EBADF"
        case ENOMEM: "ENOMEM"
        case EACCES: "EACCES"
        case EBUSY: "EBUSY"
        case EEXIST: "EEXIST"
        case ENOTDIR: "ENOTDIR"
        case EISDIR: "EISDIR"
        case EINVAL: "EINVAL"
        case EMFILE: "EMFILE"
        case ENFILE: "ENFILE"
        case EFBIG: "EFBIG"
        case ENOSPC: "ENOSPC"
        case EROFS: "EROFS"
        case ELOOP: "ELOOP"
        case ENAMETOOLONG: "ENAMETOOLONG"
        case ETXTBSY: "ETXTBSY"
        case EDQUOT: "EDQUOT"
        default: "errno \(rawValue)"
        }
    }

    /// `No such file or directory (ENOENT)`.
    public var description: String { "\(String(cString: strerror(rawValue))) (\(name))" }
}
