import ProtMemMemory

/// `struct udmabuf_create` (`include/uapi/linux/udmabuf.h`), 24 bytes: `__u32 memfd` at 0,
/// `__u32 flags` at 4, `__u64 offset` at 8, `__u64 size` at 16.
public struct UDMABufCreate: Hashable, Sendable {
    public static let size = 24

    public var memfd: UInt32
    public var flags: UInt32
    public var offset: UInt64
    public var size: UInt64

    public init(memfd: UInt32, flags: UInt32 = 0, offset: UInt64 = 0, size: UInt64) {
        self.memfd = memfd
        self.flags = flags
        self.offset = offset
        self.size = size
    }

    init(bytes: [UInt8]) {
        memfd = bytes.littleEndian(UInt32.self, at: 0)
        flags = bytes.littleEndian(UInt32.self, at: 4)
        offset = bytes.littleEndian(UInt64.self, at: 8)
        size = bytes.littleEndian(UInt64.self, at: 16)
    }

    public var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: Self.size)
        bytes.setLittleEndian(memfd, at: 0)
        bytes.setLittleEndian(flags, at: 4)
        bytes.setLittleEndian(offset, at: 8)
        bytes.setLittleEndian(size, at: 16)
        return bytes
    }
}
