#if canImport(Glibc)
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Synchronization

/// Allocates dma-bufs from the running kernel's heaps by name, like libdmabufheap's
/// `BufferAllocator` or libcamera's `DmaBufAllocator`: it opens `/dev/dma_heap/<name>` once
/// and keeps it, and hands out buffer descriptors the caller owns (close them with
/// ``LinuxProcess/close(_:)``; a buffer lives while a descriptor or a mapping of it does).
///
/// The buffer calls are the process's own typed ioctls (``ProtMemUserspace/UserspaceSyscalls``):
/// `sync` brackets CPU access, `setName` labels the buffer in `/proc/self/fdinfo` and
/// `/sys/kernel/debug/dma_buf/bufinfo`. Thread-safe.
public final class DMABufAllocator: Sendable {
    public let process: LinuxProcess
    private let heaps = Mutex<[String: FileDescriptor]>([:])

    public init(process: LinuxProcess) {
        self.process = process
    }

    /// The heaps the kernel offers.
    public func heapNames() throws(Errno) -> [String] {
        try DMAHeapDirectory.heapNames()
    }

    /// `DMA_HEAP_IOCTL_ALLOC` of `length` bytes (rounded up to pages by the kernel) from the
    /// heap called `heap`: `ENOENT` for a heap the kernel does not have, `EINVAL` for length 0,
    /// `ENOMEM` when the heap has no room.
    public func allocate(heap: String, length: UInt64, fdFlags: OpenFlags = [.readWrite, .closeOnExec]) throws(Errno) -> FileDescriptor {
        let heapFD = try heapDescriptor(heap)
        return try process.allocate(heapFD, length: length, fdFlags: fdFlags)
    }

    /// Closes the heap descriptors it kept; buffers already allocated stay valid.
    public func close() {
        let open = heaps.withLock { heaps in
            defer { heaps = [:] }
            return Array(heaps.values)
        }
        for fd in open { try? process.close(fd) }
    }

    deinit { close() }

    private func heapDescriptor(_ name: String) throws(Errno) -> FileDescriptor {
        guard !name.isEmpty, !name.contains("/") else { throw .noSuchFileOrDirectory }
        if let fd = heaps.withLock({ $0[name] }) { return fd }
        let fd = try process.open("\(DMAHeapDirectory.path)/\(name)", flags: [.readOnly, .closeOnExec])
        let kept = heaps.withLock { heaps in
            if let other = heaps[name] { return other }
            heaps[name] = fd
            return fd
        }
        if kept != fd { try? process.close(fd) }
        return kept
    }
}
#endif
