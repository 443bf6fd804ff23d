#if canImport(Glibc)
import Glibc
import ProtMemMemory
import Synchronization

/// The only code in ProtMemLinux that hands the kernel a pointer: ioctl(2) arguments, mmap(2)
/// and munmap(2), loads and stores through a mapping, read(2) into a buffer, readdir(3), and
/// the `SCM_RIGHTS` messages of sendmsg(2) and recvmsg(2). Everything above it is safe Swift
/// over addresses held as integers.
///
/// An ioctl's argument is copied to the end of the argument window, a private anonymous
/// mapping whose last page is `PROT_NONE`, so a kernel copy that runs past the caller's bytes
/// faults (`EFAULT`) exactly as the model's ``ProtMemUserspace/UserBuffer`` does; the bytes
/// the kernel wrote back are read out afterwards, also after an error (the heap's ioctl copies
/// its struct back either way). The window is one per process object and used under a lock.
///
/// Loads and stores trust the caller (``LinuxProcess``) to have checked that the range lies
/// in mappings it made and that their protection allows the access: a real fault here is a
/// signal, not an error.
final class LinuxSyscalls: Sendable {
    /// The page size of the running kernel.
    static let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))

    /// The most argument bytes one ioctl can be given: 64 KiB, room for the largest struct
    /// a dma-buf ioctl reads (`UDMABUF_CREATE_LIST` with `list_limit`'s 1024 items is 24 KiB
    /// and 8 bytes) and four times the largest `_IOC_SIZE`.
    static let argumentCapacity: UInt = 64 << 10

    /// The start of the argument window; its guard page starts at `window + argumentCapacity`.
    private let window: UInt
    private let windowLock = Mutex(0)

    init() throws(Errno) {
        let length = Int(Self.argumentCapacity + Self.pageSize)
        let start = Glibc.mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let start, start != MAP_FAILED else { throw Errno(rawValue: Glibc.errno) }
        guard Glibc.mprotect(start + Int(Self.argumentCapacity), Int(Self.pageSize), PROT_NONE) == 0 else {
            let error = Errno(rawValue: Glibc.errno)
            Glibc.munmap(start, length)
            throw error
        }
        window = UInt(bitPattern: start)
        _checkInvariants()
    }

    deinit {
        Glibc.munmap(UnsafeMutableRawPointer(bitPattern: window), Int(Self.argumentCapacity + Self.pageSize))
    }

    /// `[start, end)` of the argument window, guard page included: memory no caller may unmap.
    var windowRange: Range<UInt> { window..<(window + Self.argumentCapacity + Self.pageSize) }

    /// How many ioctls went through the window (for the invariant check and tests).
    var ioctlCount: Int { windowLock.withLock { $0 } }

    /// The window is page-aligned and still mapped as the init left it: readable and writable
    /// up to the guard page, which faults.
    func _checkInvariants() {
        precondition(window != 0 && window % Self.pageSize == 0, "the argument window is page-aligned")
        precondition(Self.argumentCapacity % Self.pageSize == 0, "the guard page starts on a page boundary")
        let guardPage = UnsafeMutableRawPointer(bitPattern: window + Self.argumentCapacity)
        var vector: UInt8 = 0
        // mincore answers ENOMEM for an address not mapped: the guard page must stay mapped.
        precondition(Glibc.mincore(guardPage, Int(Self.pageSize), &vector) == 0 || Glibc.errno != ENOMEM,
                     "the argument window's guard page is still mapped")
    }

    // MARK: ioctl

    /// ioctl(2) with `argument` at the end of the window (`nil`: a null pointer). Returns
    /// the call's result or errno, and the argument bytes as the kernel left them.
    func ioctl(_ fd: Int32, _ request: UInt32, _ argument: [UInt8]?) -> (result: Result<Int32, Errno>, copiedBack: [UInt8]?) {
        guard let argument else {
            let result = Glibc.ioctl(fd, UInt(request), CInt(0))
            windowLock.withLock { $0 += 1 }
            return (result < 0 ? .failure(Errno(rawValue: Glibc.errno)) : .success(result), nil)
        }
        guard UInt(argument.count) <= Self.argumentCapacity else { return (.failure(.badAddress), argument) }
        return windowLock.withLock { count in
            count += 1
            let start = UnsafeMutableRawPointer(bitPattern: window + Self.argumentCapacity - UInt(argument.count))!
            argument.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
            }
            let result = Glibc.ioctl(fd, UInt(request), start)
            let error = Glibc.errno
            let back = [UInt8](UnsafeRawBufferPointer(start: start, count: argument.count))
            return (result < 0 ? .failure(Errno(rawValue: error)) : .success(result), back)
        }
    }

    // MARK: Mappings

    /// mmap(2) with no address hint: the mapping's start.
    func mmap(length: UInt64, protection: UInt32, flags: UInt32, fd: Int32, offset: UInt64) -> Result<UInt, Errno> {
        let start = Glibc.mmap(nil, Int(bitPattern: UInt(length)), Int32(bitPattern: protection), Int32(bitPattern: flags), fd,
                               off_t(Int64(bitPattern: offset)))
        guard let start, start != MAP_FAILED else { return .failure(Errno(rawValue: Glibc.errno)) }
        return .success(UInt(bitPattern: start))
    }

    /// munmap(2).
    func munmap(_ start: UInt, length: UInt64) -> Result<Void, Errno> {
        Glibc.munmap(UnsafeMutableRawPointer(bitPattern: start), Int(bitPattern: UInt(length))) == 0
            ? .success(()) : .failure(Errno(rawValue: Glibc.errno))
    }

    /// `count` bytes loaded from `address`, which the caller has checked is mapped readable.
    func load(_ address: UInt, count: Int) -> [UInt8] {
        guard count > 0, let start = UnsafeRawPointer(bitPattern: address) else { return [] }
        return [UInt8](UnsafeRawBufferPointer(start: start, count: count))
    }

    /// `bytes` stored at `address`, which the caller has checked is mapped writable.
    func store(_ address: UInt, _ bytes: [UInt8]) {
        guard !bytes.isEmpty, let start = UnsafeMutableRawPointer(bitPattern: address) else { return }
        bytes.withUnsafeBytes { source in start.copyMemory(from: source.baseAddress!, byteCount: source.count) }
    }

    // MARK: Files

    /// Everything read(2) gives from `fd` until end of file.
    static func readAll(_ fd: Int32) -> Result<[UInt8], Errno> {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if Glibc.errno == EINTR { continue }
                return .failure(Errno(rawValue: Glibc.errno))
            }
            if count == 0 { return .success(bytes) }
            bytes += chunk[..<count]
        }
    }

    /// The names in the directory at `path`, `.` and `..` left out, in readdir's order.
    static func directoryEntries(_ path: String) -> Result<[String], Errno> {
        guard let directory = opendir(path) else { return .failure(Errno(rawValue: Glibc.errno)) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return .success(names)
    }

    // MARK: Descriptor passing

    /// `struct cmsghdr` (16 bytes on 64-bit Linux) and one `int`, padded to 8: `CMSG_SPACE(4)`.
    private static let rightsSpace = 24

    /// sendmsg(2) of one byte with `SCM_RIGHTS` carrying `fd`.
    static func sendDescriptor(_ fd: Int32, over socket: Int32) -> Result<Void, Errno> {
        var control = [UInt8](repeating: 0, count: rightsSpace)
        control.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt(MemoryLayout<cmsghdr>.size + 4), toByteOffset: 0, as: UInt.self)  // CMSG_LEN(4)
            raw.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
            raw.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: 12, as: Int32.self)
            raw.storeBytes(of: fd, toByteOffset: 16, as: Int32.self)
        }
        var payload: UInt8 = 0
        let sent = withUnsafeMutablePointer(to: &payload) { payload in
            control.withUnsafeMutableBytes { control in
                var vector = iovec(iov_base: UnsafeMutableRawPointer(payload), iov_len: 1)
                return withUnsafeMutablePointer(to: &vector) { vector in
                    var message = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: vector, msg_iovlen: 1,
                                         msg_control: control.baseAddress, msg_controllen: control.count, msg_flags: 0)
                    return Glibc.sendmsg(socket, &message, Int32(MSG_NOSIGNAL))
                }
            }
        }
        return sent < 0 ? .failure(Errno(rawValue: Glibc.errno)) : .success(())
    }

    /// recvmsg(2) of one byte with `MSG_CMSG_CLOEXEC`: the descriptor its `SCM_RIGHTS` carried,
    /// `EBADMSG` when the message carried none.
    static func receiveDescriptor(from socket: Int32) -> Result<Int32, Errno> {
        var control = [UInt8](repeating: 0, count: rightsSpace)
        var payload: UInt8 = 0
        let received = withUnsafeMutablePointer(to: &payload) { payload in
            control.withUnsafeMutableBytes { control in
                var vector = iovec(iov_base: UnsafeMutableRawPointer(payload), iov_len: 1)
                return withUnsafeMutablePointer(to: &vector) { vector in
                    var message = msghdr(msg_name: nil, msg_namelen: 0, msg_iov: vector, msg_iovlen: 1,
                                         msg_control: control.baseAddress, msg_controllen: control.count, msg_flags: 0)
                    let count = Glibc.recvmsg(socket, &message, Int32(MSG_CMSG_CLOEXEC))
                    return count < 0 ? -1 : message.msg_controllen
                }
            }
        }
        if received < 0 { return .failure(Errno(rawValue: Glibc.errno)) }
        let length = control.withUnsafeBytes { $0.load(fromByteOffset: 0, as: UInt.self) }
        let level = control.withUnsafeBytes { $0.load(fromByteOffset: 8, as: Int32.self) }
        let type = control.withUnsafeBytes { $0.load(fromByteOffset: 12, as: Int32.self) }
        guard received >= rightsSpace - 4, length >= UInt(MemoryLayout<cmsghdr>.size + 4), level == SOL_SOCKET,
              type == Int32(SCM_RIGHTS) else { return .failure(Errno(rawValue: EBADMSG)) }
        return .success(control.withUnsafeBytes { $0.load(fromByteOffset: 16, as: Int32.self) })
    }
}
#endif
