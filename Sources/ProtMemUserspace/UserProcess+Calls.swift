import ProtMemDMABuf
import ProtMemMemory

/// Typed forms of the ioctls, each building the kernel's struct and calling ``UserspaceSyscalls/ioctl(_:_:_:)``
/// as a C program would, so the model and the running kernel share them.
extension UserspaceSyscalls {
    /// `DMA_HEAP_IOCTL_ALLOC` on a heap descriptor: the new buffer's descriptor.
    public func allocate(_ heapFD: FileDescriptor, length: UInt64, fdFlags: OpenFlags,
                         heapFlags: DMAHeapFlags = []) throws(Errno) -> FileDescriptor {
        let argument = UserBuffer(DMAHeapAllocationData(length: length, fdFlags: fdFlags.rawValue, heapFlags: heapFlags.rawValue).bytes)
        try ioctl(heapFD, .dmaHeapAlloc, argument)
        return FileDescriptor(rawValue: argument.bytes.littleEndian(Int32.self, at: 8))
    }

    /// `DMA_BUF_IOCTL_SYNC`
    public func sync(_ fd: FileDescriptor, _ flags: DMABufSyncFlags) throws(Errno) {
        try ioctl(fd, .dmaBufSync, UserBuffer(.littleEndian(flags.rawValue)))
    }

    /// `DMA_BUF_SET_NAME_B` with `name` and its NUL.
    public func setName(_ fd: FileDescriptor, _ name: String) throws(Errno) {
        try ioctl(fd, .dmaBufSetNameB, UserBuffer(Array(name.utf8) + [0]))
    }

    /// `UDMABUF_CREATE` on a `/dev/udmabuf` descriptor: the new buffer's descriptor.
    public func udmabufCreate(_ deviceFD: FileDescriptor, memfd: FileDescriptor, offset: UInt64 = 0, size: UInt64,
                              flags: UInt32 = 0) throws(Errno) -> FileDescriptor {
        let create = UDMABufCreate(memfd: UInt32(bitPattern: memfd.rawValue), flags: flags, offset: offset, size: size)
        return FileDescriptor(rawValue: try ioctl(deviceFD, .udmabufCreate, UserBuffer(create.bytes)))
    }

    /// `UDMABUF_CREATE_LIST` on a `/dev/udmabuf` descriptor: one buffer over several memfd
    /// windows, in order (`struct udmabuf_create_list`: `__u32 flags`, `__u32 count`, then per
    /// item `__u32 memfd`, `__u32 __pad`, `__u64 offset`, `__u64 size`).
    public func udmabufCreateList(_ deviceFD: FileDescriptor, items: [(memfd: FileDescriptor, offset: UInt64, size: UInt64)],
                                  flags: UInt32 = 0) throws(Errno) -> FileDescriptor {
        var bytes = [UInt8](repeating: 0, count: 8 + 24 * items.count)
        bytes.setLittleEndian(flags, at: 0)
        bytes.setLittleEndian(UInt32(truncatingIfNeeded: items.count), at: 4)
        for (index, item) in items.enumerated() {
            bytes.setLittleEndian(UInt32(bitPattern: item.memfd.rawValue), at: 8 + 24 * index)
            bytes.setLittleEndian(item.offset, at: 8 + 24 * index + 8)
            bytes.setLittleEndian(item.size, at: 8 + 24 * index + 16)
        }
        return FileDescriptor(rawValue: try ioctl(deviceFD, .udmabufCreateList, UserBuffer(bytes)))
    }

    /// `DMA_BUF_IOCTL_EXPORT_SYNC_FILE`: the sync file's descriptor.
    public func exportSyncFile(_ fd: FileDescriptor, _ flags: DMABufSyncFlags) throws(Errno) -> FileDescriptor {
        var bytes = [UInt8](repeating: 0, count: 8)
        bytes.setLittleEndian(UInt32(truncatingIfNeeded: flags.rawValue), at: 0)
        let argument = UserBuffer(bytes)
        try ioctl(fd, .dmaBufExportSyncFile, argument)
        return FileDescriptor(rawValue: argument.bytes.littleEndian(Int32.self, at: 4))
    }
}
