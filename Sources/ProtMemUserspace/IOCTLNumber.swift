/// An ioctl request number as the kernel decodes it (`include/uapi/asm-generic/ioctl.h`,
/// which x86-64 and arm64 share): bits 0–7 the number, 8–15 the type, 16–29 the size of
/// the argument, 30–31 the direction.
///
/// The kernel's `cmd` is 32 bits (`unsigned int`). Drivers differ in how much of it they
/// look at: `dma-heap.c` uses only the number and the size and direction bits, so it ignores
/// the type byte; `dma-buf.c` and `udmabuf.c` compare the whole value.
public struct IOCTLNumber: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    @inlinable public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// The direction bits, seen from userspace: `_IOC_WRITE` means the caller writes the
    /// argument and the kernel reads it (`IOC_IN`), `_IOC_READ` the reverse (`IOC_OUT`).
    public struct Direction: OptionSet, Hashable, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// `_IOC_WRITE`: the kernel copies the argument in.
        public static let write = Direction(rawValue: 1)
        /// `_IOC_READ`: the kernel copies the argument back out.
        public static let read = Direction(rawValue: 2)
    }

    /// `_IOC(dir, type, nr, size)`; `nil` when `size` does not fit its 14 bits.
    public init?(direction: Direction, type: UInt8, number: UInt8, size: Int) {
        guard size >= 0, size < 1 << 14 else { return nil }
        rawValue = direction.rawValue << 30 | UInt32(size) << 16 | UInt32(type) << 8 | UInt32(number)
    }

    /// `_IOC_NR`
    public var number: UInt8 { UInt8(truncatingIfNeeded: rawValue) }
    /// `_IOC_TYPE`
    public var type: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 8) }
    /// `_IOC_SIZE`
    public var size: Int { Int((rawValue >> 16) & 0x3fff) }
    /// `_IOC_DIR`
    public var direction: Direction { Direction(rawValue: rawValue >> 30) }

    public var description: String { "0x" + String(rawValue, radix: 16) }

    // MARK: The requests the model's files answer

    /// `DMA_HEAP_IOCTL_ALLOC = _IOWR('H', 0x0, struct dma_heap_allocation_data)`
    public static let dmaHeapAlloc = IOCTLNumber(rawValue: 0xc018_4800)
    /// `DMA_BUF_IOCTL_SYNC = _IOW('b', 0, struct dma_buf_sync)`
    public static let dmaBufSync = IOCTLNumber(rawValue: 0x4008_6200)
    /// `DMA_BUF_SET_NAME_A = _IOW('b', 1, __u32)`
    public static let dmaBufSetNameA = IOCTLNumber(rawValue: 0x4004_6201)
    /// `DMA_BUF_SET_NAME_B = _IOW('b', 1, __u64)`
    public static let dmaBufSetNameB = IOCTLNumber(rawValue: 0x4008_6201)
    /// `DMA_BUF_IOCTL_EXPORT_SYNC_FILE = _IOWR('b', 2, struct dma_buf_export_sync_file)`
    public static let dmaBufExportSyncFile = IOCTLNumber(rawValue: 0xc008_6202)
    /// `DMA_BUF_IOCTL_IMPORT_SYNC_FILE = _IOW('b', 3, struct dma_buf_import_sync_file)`
    public static let dmaBufImportSyncFile = IOCTLNumber(rawValue: 0x4008_6203)
    /// `UDMABUF_CREATE = _IOW('u', 0x42, struct udmabuf_create)`
    public static let udmabufCreate = IOCTLNumber(rawValue: 0x4018_7542)
    /// `UDMABUF_CREATE_LIST = _IOW('u', 0x43, struct udmabuf_create_list)`
    public static let udmabufCreateList = IOCTLNumber(rawValue: 0x4008_7543)

    // The generic requests `do_vfs_ioctl` answers before any driver sees them.

    /// `FIOCLEX`: set close-on-exec.
    public static let fioclex = IOCTLNumber(rawValue: 0x5451)
    /// `FIONCLEX`: clear close-on-exec.
    public static let fionclex = IOCTLNumber(rawValue: 0x5450)
    /// `FIONBIO`: set or clear `O_NONBLOCK` from an `int`.
    public static let fionbio = IOCTLNumber(rawValue: 0x5421)
    /// `FIOASYNC`: set or clear `O_ASYNC` from an `int`.
    public static let fioasync = IOCTLNumber(rawValue: 0x5452)
    /// `FIOQSIZE`: the size of a regular file, directory or symlink.
    public static let fioqsize = IOCTLNumber(rawValue: 0x5460)
    /// `FIGETBSZ = _IO(0x00, 2)`: the file system's block size.
    public static let figetbsz = IOCTLNumber(rawValue: 0x2)
}
