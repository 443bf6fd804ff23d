import ProtMemDMABuf
import ProtMemMemory

extension UserProcess {
    /// ioctl(2): `argument` is the user memory the argument points at (`nil` for a bad or
    /// absent pointer). Returns the call's non-negative result.
    ///
    /// As `do_vfs_ioctl`: `EBADF` for a descriptor that is not open (or is `O_PATH`); then
    /// the generic requests every file answers the same way (`FIOCLEX`, `FIONCLEX`,
    /// `FIONBIO`, `FIOASYNC`, `FIOQSIZE`, `FIGETBSZ`, and `FIONREAD` on a regular file);
    /// then the file's driver, and `ENOTTY` for a file with no ioctl at all.
    @discardableResult
    public func ioctl(_ fd: FileDescriptor, _ request: IOCTLNumber, _ argument: UserBuffer?) throws(Errno) -> Int32 {
        let file = try fget(fd)
        defer { file.release() }
        switch request {
        case .fioclex, .fionclex:
            try setCloseOnExec(fd, request == .fioclex)
            return 0
        case .fionbio:
            let on = try UserCopy.from(argument, count: 4).littleEndian(Int32.self, at: 0)
            file.setNonBlocking(on != 0)
            return 0
        case .fioasync:
            // No file the model has implements `fasync`, so turning it on is `ENOTTY` and
            // turning it off (it is never on) changes nothing.
            let on = try UserCopy.from(argument, count: 4).littleEndian(Int32.self, at: 0)
            if on != 0 { throw .inappropriateIOCTLForDevice }
            return 0
        case .fioqsize:
            switch file.object {
            case .memfd(let memfd):
                try UserCopy.to(argument, [UInt8].littleEndian(Int64(memfd.residentPages) << Int64(pageShift)))
            case .directory:
                try UserCopy.to(argument, [UInt8].littleEndian(Int64(0)))
            default:
                throw .inappropriateIOCTLForDevice
            }
            return 0
        case .figetbsz:
            // Every file system the model has (devtmpfs, shmem, the dma-buf and anon-inode
            // pseudo file systems) has 4 KiB blocks.
            try UserCopy.to(argument, [UInt8].littleEndian(Int32(pageSize)))
            return 0
        case .fionread:
            if case .memfd(let memfd) = file.object {
                try UserCopy.to(argument, [UInt8].littleEndian(Int32(truncatingIfNeeded: memfd.size)))
                return 0
            }
        default:
            break
        }
        switch file.object {
        case .dmaHeap(let heap):
            return try DMAHeapFile.ioctl(heap, request, argument, caller: self)
        case .dmaBuf(let buffer):
            return try DMABufFile.ioctl(buffer, request, argument, caller: self)
        case .udmabufDevice(let device):
            return try device.ioctl(request, argument, caller: self)
        case .drmRender(let render):
            return try render.ioctl(request, argument, caller: self)
        case .memfd, .syncFile, .null, .directory, .path:
            throw .inappropriateIOCTLForDevice
        }
    }
}

extension IOCTLNumber {
    /// `FIONREAD`: bytes left to read in a regular file.
    public static let fionread = IOCTLNumber(rawValue: 0x541b)
}
