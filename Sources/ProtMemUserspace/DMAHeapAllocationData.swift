import ProtMemDMABuf

/// `struct dma_heap_allocation_data` (`include/uapi/linux/dma-heap.h`), 24 bytes:
/// `__u64 len` at 0, `__u32 fd` at 8, `__u32 fd_flags` at 12, `__u64 heap_flags` at 16.
public struct DMAHeapAllocationData: Hashable, Sendable {
    /// `sizeof(struct dma_heap_allocation_data)`
    public static let size = 24

    public var length: UInt64
    /// Must be 0 on the way in; the new descriptor on the way out.
    public var fd: UInt32
    public var fdFlags: UInt32
    public var heapFlags: UInt64

    public init(length: UInt64, fd: UInt32 = 0, fdFlags: UInt32, heapFlags: UInt64 = 0) {
        self.length = length
        self.fd = fd
        self.fdFlags = fdFlags
        self.heapFlags = heapFlags
    }

    /// Decodes the first 24 bytes.
    init(bytes: [UInt8]) {
        length = bytes.littleEndian(UInt64.self, at: 0)
        fd = bytes.littleEndian(UInt32.self, at: 8)
        fdFlags = bytes.littleEndian(UInt32.self, at: 12)
        heapFlags = bytes.littleEndian(UInt64.self, at: 16)
    }

    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.setLittleEndian(length, at: 0)
        bytes.setLittleEndian(fd, at: 8)
        bytes.setLittleEndian(fdFlags, at: 12)
        bytes.setLittleEndian(heapFlags, at: 16)
        return bytes
    }
}
