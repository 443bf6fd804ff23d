import ProtMemDMABuf
import ProtMemMemory

/// `/dev/udmabuf` (`drivers/dma-buf/udmabuf.c`): turns pages of sealed memfds into a dma-buf.
public final class UDMABufDevice: Sendable {
    /// The module parameter `size_limit_mb`'s default.
    public static let defaultSizeLimitMB: UInt64 = 64
    /// The module parameter `list_limit`'s default: items in one `UDMABUF_CREATE_LIST`.
    public static let defaultListLimit: UInt32 = 1024
    /// `UDMABUF_FLAGS_CLOEXEC`
    public static let flagCloseOnExec: UInt32 = 0x1

    let list: DMABufList
    public let sizeLimitMB: UInt64
    public let listLimit: UInt32

    init(list: DMABufList, sizeLimitMB: UInt64 = defaultSizeLimitMB, listLimit: UInt32 = defaultListLimit) {
        self.list = list
        self.sizeLimitMB = sizeLimitMB
        self.listLimit = listLimit
    }

    /// One memfd range: `struct udmabuf_create_item`.
    struct Item {
        var memfd: UInt32
        var offset: UInt64
        var size: UInt64
    }

    /// `udmabuf_ioctl`: whole-value comparison, `ENOTTY` for anything else.
    func ioctl(_ request: IOCTLNumber, _ argument: UserBuffer?, caller: UserProcess) throws(Errno) -> Int32 {
        switch request {
        case .udmabufCreate:
            let create = UDMABufCreate(bytes: try UserCopy.from(argument, count: UDMABufCreate.size))
            let item = Item(memfd: create.memfd, offset: create.offset, size: create.size)
            return try self.create(flags: create.flags, items: [item], caller: caller).rawValue
        case .udmabufCreateList:
            // struct udmabuf_create_list { __u32 flags; __u32 count; struct udmabuf_create_item list[]; }
            let head = try UserCopy.from(argument, count: 8)
            let flags = head.littleEndian(UInt32.self, at: 0), count = head.littleEndian(UInt32.self, at: 4)
            guard count <= listLimit else { throw .invalidArgument }
            let bytes = try UserCopy.from(argument, count: 8 + 24 * Int(count))
            let items = (0..<Int(count)).map { index in
                let base = 8 + 24 * index
                return Item(memfd: bytes.littleEndian(UInt32.self, at: base), offset: bytes.littleEndian(UInt64.self, at: base + 8),
                            size: bytes.littleEndian(UInt64.self, at: base + 16))
            }
            return try create(flags: flags, items: items, caller: caller).rawValue
        default:
            throw .inappropriateIOCTLForDevice
        }
    }

    /// `udmabuf_create`, in the kernel's order:
    /// 1. for each item: an offset or a size that is not page-aligned → `EINVAL`; the running
    ///    page count over `size_limit_mb` → `EINVAL`;
    /// 2. no pages at all → `EINVAL`;
    /// 3. for each item: a descriptor that is not open, or not a memfd (shmem) → `EBADFD`;
    ///    seals without `F_SEAL_SHRINK`, or with `F_SEAL_WRITE` or `F_SEAL_FUTURE_WRITE` →
    ///    `EINVAL` (6.12.y has the stable fix that refuses future-write too); pages past the
    ///    end of the memfd → `EINVAL`; a page that cannot be allocated → `ENOMEM`;
    /// 4. export with `O_RDWR` and install the descriptor (close-on-exec only for
    ///    `UDMABUF_FLAGS_CLOEXEC`; other flag bits are never looked at); `EMFILE` puts it.
    /// Returns the new descriptor (the ioctl's return value). A failure leaves nothing pinned.
    func create(flags: UInt32, items: [Item], caller: UserProcess) throws(Errno) -> FileDescriptor {
        let pageLimit = (sizeLimitMB * 1024 * 1024) >> pageShift
        var pageCount: UInt64 = 0
        for item in items {
            guard item.offset & (pageSize - 1) == 0, item.size & (pageSize - 1) == 0 else { throw .invalidArgument }
            pageCount += item.size >> pageShift
            guard pageCount <= pageLimit else { throw .invalidArgument }
        }
        guard pageCount > 0 else { throw .invalidArgument }

        var frames: [MemFDFrame] = []
        do throws(Errno) {
            for item in items {
                frames += try pin(item, caller: caller)
            }
        } catch {
            for frame in frames { frame.put() }
            throw error
        }
        let buffer: DMABuf
        do throws(Errno) {
            buffer = try DMABuf.export(UDMABufBuffer(frames: frames), size: pageCount << pageShift, fileFlags: .readWrite, list: list)
        } catch {
            for frame in frames { frame.put() }
            throw error
        }
        return try caller.install(.dmaBuf(buffer), closeOnExec: flags & Self.flagCloseOnExec != 0)
    }

    /// `check_memfd_seals` and `memfd_pin_folios` for one item.
    private func pin(_ item: Item, caller: UserProcess) throws(Errno) -> [MemFDFrame] {
        let fd = FileDescriptor(rawValue: Int32(bitPattern: item.memfd))
        guard fd.rawValue >= 0, let file = try? caller.fget(fd) else { throw .badFileDescriptorState }
        defer { file.release() }
        guard case .memfd(let memfd) = file.object else { throw .badFileDescriptorState }
        let seals = memfd.seals
        guard seals.contains(.shrink), !seals.isWriteSealed else { throw .invalidArgument }
        let (end, overflow) = item.offset.addingReportingOverflow(item.size)
        guard !overflow, end <= UInt64(Int64.max) else { throw .invalidArgument }
        return try memfd.pin(offset: item.offset, size: item.size)
    }
}
