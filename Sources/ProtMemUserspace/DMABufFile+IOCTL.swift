import ProtMemDMABuf
import ProtMemMemory

/// The ioctls of a dma-buf's file (`dma_buf_ioctl` in `drivers/dma-buf/dma-buf.c`). Unlike
/// the heap's, requests are compared whole, so anything else is `ENOTTY`.
enum DMABufFile {
    static func ioctl(_ buffer: DMABuf, _ request: IOCTLNumber, _ argument: UserBuffer?, caller: UserProcess) throws(Errno) -> Int32 {
        switch request {
        case .dmaBufSync:
            try sync(buffer, argument)
        case .dmaBufSetNameA, .dmaBufSetNameB:
            try setName(buffer, argument)
        case .dmaBufExportSyncFile:
            try exportSyncFile(argument, caller: caller)
        case .dmaBufImportSyncFile:
            try importSyncFile(argument, caller: caller)
        default:
            throw .inappropriateIOCTLForDevice
        }
        return 0
    }

    /// `DMA_BUF_IOCTL_SYNC`: `EFAULT` when the 8-byte struct cannot be read; `EINVAL` for a
    /// bit outside `RW | END`, or for neither `READ` nor `WRITE`; then begin or end CPU
    /// access in the direction the bits give. The kernel does not pair `START` with `END`,
    /// so an `END` with no `START` is whatever the exporter answers (0 for the system heap,
    /// `EINVAL` for udmabuf, which has no scatter list to sync until a `START`).
    static func sync(_ buffer: DMABuf, _ argument: UserBuffer?) throws(Errno) {
        let flags = DMABufSyncFlags(rawValue: try UserCopy.from(argument, count: 8).littleEndian(UInt64.self, at: 0))
        guard flags.subtracting(.validMask).isEmpty else { throw .invalidArgument }
        let direction: DMADataDirection
        switch flags.intersection(.readWrite) {
        case .read: direction = .fromDevice
        case .write: direction = .toDevice
        case .readWrite: direction = .bidirectional
        default: throw .invalidArgument
        }
        if flags.contains(.end) {
            try buffer.endCPUAccess(direction: direction)
        } else {
            try buffer.beginCPUAccess(direction: direction)
        }
    }

    /// `DMA_BUF_SET_NAME_A`/`_B`: `strndup_user(arg, DMA_BUF_NAME_LEN)`, so at most 31 bytes
    /// and the NUL (`EINVAL` beyond), `EFAULT` when the string runs off readable memory.
    static func setName(_ buffer: DMABuf, _ argument: UserBuffer?) throws(Errno) {
        let bytes = try UserCopy.string(argument, limit: dmaBufNameLength)
        try buffer.setName(String(decoding: bytes, as: UTF8.self))
    }

    /// `DMA_BUF_IOCTL_EXPORT_SYNC_FILE` (`struct dma_buf_export_sync_file { __u32 flags;
    /// __s32 fd; }`): `EINVAL` for flags outside `RW` or with neither bit; a close-on-exec
    /// descriptor is reserved (`EMFILE`), the struct's `fd` written back (`EFAULT` gives the
    /// descriptor up), then installed. The fence is the signalled stub (see ``SyncFile``).
    static func exportSyncFile(_ argument: UserBuffer?, caller: UserProcess) throws(Errno) {
        var data = try UserCopy.from(argument, count: 8)
        let flags = DMABufSyncFlags(rawValue: UInt64(data.littleEndian(UInt32.self, at: 0)))
        guard flags.subtracting(.readWrite).isEmpty, !flags.intersection(.readWrite).isEmpty else { throw .invalidArgument }
        let file = OpenFileDescription(object: .syncFile(SyncFile()), path: "anon_inode:sync_file", inode: AnonymousInode.number,
                                       mountID: MountID.anonInode, mode: [.read, .opened], flags: .readOnly)
        let fd = try caller.install(file, closeOnExec: true)
        data.setLittleEndian(fd.rawValue, at: 4)
        do {
            try UserCopy.to(argument, data)
        } catch {
            try? caller.close(fd)
            throw error
        }
    }

    /// `DMA_BUF_IOCTL_IMPORT_SYNC_FILE` (`{ __u32 flags; __s32 fd; }`): the same flag checks,
    /// then `EINVAL` unless `fd` is a sync file. Its fence is signalled, so nothing is left
    /// for a waiter (the model keeps no reservation fences).
    static func importSyncFile(_ argument: UserBuffer?, caller: UserProcess) throws(Errno) {
        let data = try UserCopy.from(argument, count: 8)
        let flags = DMABufSyncFlags(rawValue: UInt64(data.littleEndian(UInt32.self, at: 0)))
        guard flags.subtracting(.readWrite).isEmpty, !flags.intersection(.readWrite).isEmpty else { throw .invalidArgument }
        let fd = FileDescriptor(rawValue: data.littleEndian(Int32.self, at: 4))
        guard let file = try? caller.fget(fd) else { throw .invalidArgument }
        defer { file.release() }
        guard case .syncFile = file.object else { throw .invalidArgument }
    }
}

/// The one inode every anonymous-inode file shares (`anon_inode_inode`).
enum AnonymousInode {
    static let number: UInt64 = 9
}
