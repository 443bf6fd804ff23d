#if canImport(Glibc)
import CProtMemLinux
import Glibc
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Synchronization

/// The calling process on the running kernel: the same calls as the model's
/// ``ProtMemUserspace/UserProcess``, made with Glibc, answering the kernel's errno as the same
/// typed ``ProtMemMemory/Errno``.
///
/// Descriptors are the process's real ones. Loads and stores reach only the mappings made
/// through this object and answer `EFAULT` where the access would take a signal (outside
/// them, a mapping without `PROT_READ`/`PROT_WRITE`, after munmap), as the model does; an
/// access the kernel itself refuses with a signal inside a mapping (a page past the end of a
/// shrunk memfd: `SIGBUS`) is still a signal. munmap of the argument window ioctls use is
/// refused with `EINVAL`. Thread-safe: the mapping table is under a lock, and so is the
/// argument window.
public final class LinuxProcess: UserspaceSyscalls, Sendable {
    private let syscalls: LinuxSyscalls
    private let mappings = Mutex(LinuxMappings())

    public init() throws(Errno) {
        syscalls = try LinuxSyscalls()
    }

    /// The page size of the running kernel.
    public static var pageSize: UInt64 { UInt64(LinuxSyscalls.pageSize) }

    private static func check(_ result: Int32) throws(Errno) -> Int32 {
        if result < 0 { throw Errno(rawValue: Glibc.errno) }
        return result
    }

    // MARK: Files

    public func open(_ path: String, flags: OpenFlags) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Self.check(Glibc.open(path, Int32(bitPattern: flags.rawValue), 0o600)))
    }

    public func close(_ fd: FileDescriptor) throws(Errno) {
        _ = try Self.check(Glibc.close(fd.rawValue))
    }

    public func dup(_ fd: FileDescriptor) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Self.check(Glibc.dup(fd.rawValue)))
    }

    @discardableResult
    public func ioctl(_ fd: FileDescriptor, _ request: IOCTLNumber, _ argument: UserBuffer?) throws(Errno) -> Int32 {
        let (result, back) = syscalls.ioctl(fd.rawValue, request.rawValue, argument?.bytes)
        if let argument, let back { argument.replaceAll(with: back) }
        return try result.get()
    }

    /// The text of `/proc/self/fdinfo/N`; `ENOENT` for a descriptor that is not open.
    public func fdinfo(_ fd: FileDescriptor) throws(Errno) -> String {
        let file = try Self.check(Glibc.open("/proc/self/fdinfo/\(fd.rawValue)", O_RDONLY | O_CLOEXEC))
        defer { Glibc.close(file) }
        return String(decoding: try LinuxSyscalls.readAll(file).get(), as: UTF8.self)
    }

    // MARK: memfd

    public func memfdCreate(name: String, flags: MemFDFlags) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try Self.check(cprotmem_memfd_create(name, flags.rawValue)))
    }

    public func ftruncate(_ fd: FileDescriptor, length: UInt64) throws(Errno) {
        _ = try Self.check(Glibc.ftruncate(fd.rawValue, off_t(Int64(bitPattern: length))))
    }

    public func addSeals(_ fd: FileDescriptor, _ seals: MemFDSeals) throws(Errno) {
        _ = try Self.check(cprotmem_add_seals(fd.rawValue, seals.rawValue))
    }

    /// `fcntl(F_GET_SEALS)`.
    public func seals(_ fd: FileDescriptor) throws(Errno) -> MemFDSeals {
        MemFDSeals(rawValue: UInt32(try Self.check(cprotmem_get_seals(fd.rawValue))))
    }

    // MARK: Mappings

    public func mmap(length: UInt64, protection: MmapProtection, flags: MmapFlags, fd: FileDescriptor,
                     offset: UInt64) throws(Errno) -> VirtualAddress {
        let start = try syscalls.mmap(length: length, protection: protection.rawValue, flags: flags.rawValue,
                                      fd: fd.rawValue, offset: offset).get()
        let pages = (length + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        mappings.withLock { $0.insert(start: UInt64(start), length: pages, protection: protection) }
        return VirtualAddress(rawValue: UInt64(start))
    }

    public func munmap(_ address: VirtualAddress, length: UInt64) throws(Errno) {
        let window = syscalls.windowRange
        let (end, overflow) = address.rawValue.addingReportingOverflow(length)
        if !overflow, address.rawValue < UInt64(window.upperBound), end > UInt64(window.lowerBound) { throw .invalidArgument }
        try syscalls.munmap(UInt(address.rawValue), length: length).get()
        let pages = (length + Self.pageSize - 1) / Self.pageSize * Self.pageSize
        mappings.withLock { $0.remove(start: address.rawValue, length: pages) }
    }

    public func load(_ address: VirtualAddress, count: UInt64) throws(Errno) -> [UInt8] {
        try mappings.withLock { mappings throws(Errno) in
            guard mappings.covers(address.rawValue, count, allowing: \.allowsLinuxLoad) else { throw .badAddress }
            return syscalls.load(UInt(address.rawValue), count: Int(count))
        }
    }

    public func store(_ address: VirtualAddress, bytes: [UInt8]) throws(Errno) {
        try mappings.withLock { mappings throws(Errno) in
            guard mappings.covers(address.rawValue, UInt64(bytes.count), allowing: \.allowsLinuxStore) else { throw .badAddress }
            syscalls.store(UInt(address.rawValue), bytes)
        }
    }

    /// The mappings made through this object, lowest first.
    public var mappedRanges: [(start: VirtualAddress, length: UInt64, protection: MmapProtection)] {
        mappings.withLock { $0.areas.map { (VirtualAddress(rawValue: $0.start), $0.end - $0.start, $0.protection) } }
    }

    // MARK: Descriptor passing

    /// socketpair(2) of `AF_UNIX` stream sockets, both close-on-exec.
    public func socketPair() throws(Errno) -> (FileDescriptor, FileDescriptor) {
        var ends: [Int32] = [-1, -1]
        _ = try Self.check(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends))
        return (FileDescriptor(rawValue: ends[0]), FileDescriptor(rawValue: ends[1]))
    }

    /// Sends `fd` over a Unix socket (`SCM_RIGHTS`): the receiver gets its own descriptor for
    /// the same open file, as a compositor or camera service hands a dma-buf to a client.
    public func send(_ fd: FileDescriptor, over socket: FileDescriptor) throws(Errno) {
        try LinuxSyscalls.sendDescriptor(fd.rawValue, over: socket.rawValue).get()
    }

    /// Receives one descriptor sent with ``send(_:over:)``, close-on-exec.
    public func receiveDescriptor(from socket: FileDescriptor) throws(Errno) -> FileDescriptor {
        FileDescriptor(rawValue: try LinuxSyscalls.receiveDescriptor(from: socket.rawValue).get())
    }

    /// Where ioctl arguments are copied, guard page included.
    var argumentWindow: Range<UInt> { syscalls.windowRange }

    /// Checks the argument window and the mapping table.
    public func _checkInvariants() {
        syscalls._checkInvariants()
        mappings.withLock { $0._checkInvariants(pageSize: Self.pageSize) }
    }
}

extension MmapProtection {
    /// As the model: any access right makes a page readable on x86-64 and arm64.
    var allowsLinuxLoad: Bool { !intersection([.read, .write, .exec]).isEmpty }
    var allowsLinuxStore: Bool { contains(.write) }
}
extension LinuxProcess {
    /// `clock_gettime(CLOCK_MONOTONIC)`.
    public var monotonicNanoseconds: UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
#endif
