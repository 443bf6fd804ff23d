import ProtMemDMABuf
import ProtMemMemory

/// `whence` of lseek(2).
public enum SeekOrigin: Int32, Sendable {
    case set = 0
    case current = 1
    case end = 2
}

extension UserProcess {
    /// `MAX_RW_COUNT` (`INT_MAX & PAGE_MASK`): the most one read(2) or write(2) transfers;
    /// `vfs_read` cuts a longer `count` down to it.
    public static let maximumReadCount: UInt64 = UInt64(Int32.max) & ~(pageSize - 1)

    /// read(2) of up to `count` bytes, as `vfs_read` answers: `EBADF` for a descriptor not
    /// open for reading; `EINVAL` for a file with no read method (a dma-buf, a heap node,
    /// `/dev/udmabuf`, a sync file: kernel-interfaces.md §9 saw it for dma-bufs); `EISDIR`
    /// for a directory; nothing from `/dev/null`; a memfd's bytes from the file position,
    /// which advances, at most ``maximumReadCount`` of them. A memfd's holes read as zeros
    /// without pages being allocated for them, as `shmem_file_read_iter` reads them.
    public func read(_ fd: FileDescriptor, count: UInt64) throws(Errno) -> [UInt8] {
        let file = try fget(fd)
        defer { file.release() }
        guard file.mode.contains(.read) else { throw .badFileDescriptor }
        let count = min(count, Self.maximumReadCount)
        switch file.object {
        case .null:
            return []
        case .directory:
            throw .isDirectory
        case .memfd(let memfd):
            let start = file.position
            let size = memfd.size
            guard start < size, count > 0 else { return [] }
            let length = min(count, size - start)
            let bytes = try memfd.readFile(at: start, count: length)
            file.setPosition(start + length)
            return bytes
        case .dmaBuf, .dmaHeap, .udmabufDevice, .drmRender, .syncFile, .path:
            throw .invalidArgument
        }
    }

    /// lseek(2). A dma-buf answers as `dma_buf_llseek`: only `SEEK_SET` or `SEEK_END` with
    /// offset 0 (the start or the size; `EINVAL` otherwise), and its position never moves. A
    /// memfd seeks as a regular file (`EINVAL` before 0). The heap nodes are non-seekable
    /// (`nonseekable_open`: `ESPIPE`), and so are the files without an `llseek` (udmabuf's
    /// misc device, sync files; an inference from their file operations). `/dev/null`
    /// always answers 0.
    public func lseek(_ fd: FileDescriptor, offset: Int64, whence: SeekOrigin) throws(Errno) -> UInt64 {
        let file = try fget(fd, allowPath: false)
        defer { file.release() }
        switch file.object {
        case .dmaBuf(let buffer):
            guard offset == 0 else { throw .invalidArgument }
            switch whence {
            case .set: return 0
            case .end: return buffer.size
            case .current: throw .invalidArgument
            }
        case .memfd(let memfd):
            let base: Int64
            switch whence {
            case .set: base = 0
            case .current: base = Int64(file.position)
            case .end: base = Int64(memfd.size)
            }
            let (target, overflow) = base.addingReportingOverflow(offset)
            guard !overflow, target >= 0 else { throw .invalidArgument }
            file.setPosition(UInt64(target))
            return UInt64(target)
        case .null:
            return 0
        case .directory:
            guard offset >= 0, whence == .set else { throw .invalidArgument }
            file.setPosition(UInt64(offset))
            return UInt64(offset)
        case .dmaHeap, .udmabufDevice, .drmRender, .syncFile, .path:
            throw .illegalSeek
        }
    }
}
