import ProtMemMemory
import Synchronization

/// The user memory an ioctl's argument points at: exactly these bytes and nothing around
/// them, so a kernel copy that runs past the end faults (`EFAULT`) as it would at the edge
/// of a real process's mapping. A missing buffer (`nil` where one is expected) is a bad
/// pointer.
///
/// The kernel writes results back into it (`copy_to_user`), so it is a reference type the
/// caller keeps and reads afterwards.
public final class UserBuffer: Sendable {
    private let storage: Mutex<[UInt8]>

    public init(_ bytes: [UInt8]) {
        storage = Mutex(bytes)
    }

    /// The bytes now, after whatever the kernel wrote back.
    public var bytes: [UInt8] { storage.withLock { $0 } }
    public var count: Int { storage.withLock { $0.count } }

    /// Replaces the bytes with `bytes` of the same count: what the running kernel copied back
    /// into a backend's own copy of the argument (`ProtMemLinux`).
    package func replaceAll(with bytes: [UInt8]) {
        storage.withLock { storage in
            precondition(storage.count == bytes.count, "a copy-back is as long as the argument")
            storage = bytes
        }
    }
}

/// The kernel's side of user memory: `copy_from_user`, `copy_to_user`, `strnlen_user`.
enum UserCopy {
    /// `copy_from_user(dst, src, count)`: the first `count` bytes, or `EFAULT`.
    static func from(_ buffer: UserBuffer?, count: Int) throws(Errno) -> [UInt8] {
        guard count > 0 else { return [] }
        guard let buffer else { throw .badAddress }
        let bytes = buffer.bytes
        guard bytes.count >= count else { throw .badAddress }
        return Array(bytes[..<count])
    }

    /// `copy_to_user(dst, src, count)`: all of `bytes` or, when they do not fit, nothing
    /// and `EFAULT`.
    static func to(_ buffer: UserBuffer?, _ bytes: some Collection<UInt8>) throws(Errno) {
        guard !bytes.isEmpty else { return }
        guard let buffer else { throw .badAddress }
        try buffer.storageWrite(bytes)
    }

    /// `strndup_user(s, n)`: the string up to its NUL, which must come within `n` bytes
    /// (`EINVAL` otherwise); running off the buffer before a NUL is a fault (`EFAULT`).
    static func string(_ buffer: UserBuffer?, limit: Int) throws(Errno) -> [UInt8] {
        guard let buffer else { throw .badAddress }
        let bytes = buffer.bytes
        for index in 0..<limit {
            guard index < bytes.count else { throw .badAddress }
            if bytes[index] == 0 { return Array(bytes[..<index]) }
        }
        throw .invalidArgument
    }
}

extension UserBuffer {
    fileprivate func storageWrite(_ bytes: some Collection<UInt8>) throws(Errno) {
        try storage.withLock { storage throws(Errno) in
            guard storage.count >= bytes.count else { throw .badAddress }
            storage.replaceSubrange(0..<bytes.count, with: bytes)
        }
    }
}
