import ProtMemDMABuf
import ProtMemMemory

extension UserProcess {
    /// memfd_create(2): an empty shmem file open `O_RDWR`. Without `MFD_ALLOW_SEALING` it
    /// starts sealed with `F_SEAL_SEAL`; `MFD_NOEXEC_SEAL` makes it non-executable and seals
    /// that with `F_SEAL_EXEC`. `EINVAL` for unknown flags or a name over 249 bytes,
    /// `EMFILE` when the table is full.
    public func memfdCreate(name: String, flags: MemFDFlags) throws(Errno) -> FileDescriptor {
        let known: MemFDFlags = [.closeOnExec, .allowSealing, .hugeTLB, .noExecSeal, .exec]
        guard known.isSuperset(of: flags), !flags.isSuperset(of: [.exec, .noExecSeal]) else { throw .invalidArgument }
        guard name.utf8.count <= 249, !name.utf8.contains(0) else { throw .invalidArgument }
        if flags.contains(.hugeTLB) { throw .noMemory }
        var seals: MemFDSeals = flags.contains(.allowSealing) ? [] : .seal
        if flags.contains(.noExecSeal) { seals.formUnion([.exec]) }
        let memfd = MemFD(name: name, inode: kernel.newShmemInode(), pages: kernel.pages, seals: seals,
                          executable: !flags.contains(.noExecSeal))
        let file = OpenFileDescription(object: .memfd(memfd), path: "/memfd:\(name) (deleted)", inode: memfd.inode,
                                       mountID: MountID.shmem, mode: [.read, .write, .lseek, .pread, .pwrite, .opened],
                                       flags: [.readWrite, .largeFile])
        return try install(file, closeOnExec: flags.contains(.closeOnExec))
    }

    /// ftruncate(2): `EBADF` for a descriptor that is not open; `EINVAL` for a file that is
    /// not a regular file open for writing, or a length past `MAX_LFS_FILESIZE`; `EPERM` when
    /// a seal forbids the change.
    public func ftruncate(_ fd: FileDescriptor, length: UInt64) throws(Errno) {
        let file = try fget(fd)
        defer { file.release() }
        guard case .memfd(let memfd) = file.object, file.mode.contains(.write) else { throw .invalidArgument }
        try memfd.truncate(to: length)
    }

    /// `fcntl(F_ADD_SEALS)`: `EBADF` for a descriptor that is not open, `EINVAL` for a file
    /// that is not a memfd, `EPERM` when it is not open for writing or already sealed
    /// against sealing; see ``MemFD`` for the rest.
    public func addSeals(_ fd: FileDescriptor, _ seals: MemFDSeals) throws(Errno) {
        let file = try fget(fd)
        defer { file.release() }
        guard file.mode.contains(.write) else { throw .notPermitted }
        guard MemFDSeals.all.isSuperset(of: seals) else { throw .invalidArgument }
        guard case .memfd(let memfd) = file.object else { throw .invalidArgument }
        try memfd.addSeals(seals)
    }

    /// `fcntl(F_GET_SEALS)`: `EINVAL` for a file that is not a memfd.
    public func seals(_ fd: FileDescriptor) throws(Errno) -> MemFDSeals {
        let file = try fget(fd)
        defer { file.release() }
        guard case .memfd(let memfd) = file.object else { throw .invalidArgument }
        return memfd.seals
    }
}
