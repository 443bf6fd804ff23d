import ProtMemDMABuf
import ProtMemMemory

/// The system calls a userspace program makes on the dma-buf ABI, answered either by the
/// model (``UserProcess``) or by the running kernel (`ProtMemLinux`'s `LinuxProcess`).
///
/// Exactly what ``ABIScriptRunner`` issues, so one script runs on both and the outputs can be
/// compared line by line. Every call answers the kernel's error number, typed; descriptors
/// and addresses are the process's own and mean nothing elsewhere. Everything typed on top
/// (``allocate(_:length:fdFlags:heapFlags:)``, ``sync(_:_:)``, ``setName(_:_:)``,
/// ``udmabufCreate(_:memfd:offset:size:flags:)``) is built from ``ioctl(_:_:_:)`` as a C
/// program builds it, so it is the same on both.
public protocol UserspaceSyscalls: AnyObject, Sendable {
    /// open(2).
    func open(_ path: String, flags: OpenFlags) throws(Errno) -> FileDescriptor
    /// ioctl(2): `argument` is exactly the user memory the argument points at, so a copy past
    /// its end faults; `nil` passes a null pointer. The kernel's copy-back lands in it.
    @discardableResult
    func ioctl(_ fd: FileDescriptor, _ request: IOCTLNumber, _ argument: UserBuffer?) throws(Errno) -> Int32
    /// mmap(2) without an address hint.
    func mmap(length: UInt64, protection: MmapProtection, flags: MmapFlags, fd: FileDescriptor,
              offset: UInt64) throws(Errno) -> VirtualAddress
    /// munmap(2).
    func munmap(_ address: VirtualAddress, length: UInt64) throws(Errno)
    /// A load through a mapping; `EFAULT` where a real process would take a signal.
    func load(_ address: VirtualAddress, count: UInt64) throws(Errno) -> [UInt8]
    /// A store through a mapping; `EFAULT` where a real process would take a signal.
    func store(_ address: VirtualAddress, bytes: [UInt8]) throws(Errno)
    /// The text of `/proc/self/fdinfo/N`.
    func fdinfo(_ fd: FileDescriptor) throws(Errno) -> String
    /// dup(2).
    func dup(_ fd: FileDescriptor) throws(Errno) -> FileDescriptor
    /// close(2).
    func close(_ fd: FileDescriptor) throws(Errno)
    /// memfd_create(2).
    func memfdCreate(name: String, flags: MemFDFlags) throws(Errno) -> FileDescriptor
    /// ftruncate(2).
    func ftruncate(_ fd: FileDescriptor, length: UInt64) throws(Errno)
    /// `fcntl(F_ADD_SEALS)`.
    func addSeals(_ fd: FileDescriptor, _ seals: MemFDSeals) throws(Errno)
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds: what a syncobj wait's deadline is
    /// measured against.
    var monotonicNanoseconds: UInt64 { get }
}

extension UserProcess: UserspaceSyscalls {}
