import ProtMemDMABuf
import ProtMemMemory

extension UserProcess {
    /// mmap(2) without an address hint. The checks run in the kernel's order (x86-64
    /// `sys_mmap`, `ksys_mmap_pgoff`, `do_mmap`, `dma_buf_mmap_internal`):
    /// 1. an offset that is not page-aligned → `EINVAL`;
    /// 2. a descriptor that is not open (or `O_PATH`) → `EBADF`; `MAP_HUGETLB` on a file
    ///    that is not hugetlbfs → `EINVAL`;
    /// 3. length 0 → `EINVAL`; a length that wraps when rounded to pages → `ENOMEM`; an
    ///    offset whose last page wraps → `EOVERFLOW`; too many mappings → `ENOMEM`;
    /// 4. no room: a length beyond `TASK_SIZE` or the free address space → `ENOMEM`;
    ///    `MAP_FIXED` (at address 0, below `mmap_min_addr`) → `EPERM`;
    /// 5. `file_mmap_ok`: an offset past what the file's offsets can name → `EOVERFLOW`
    ///    (e.g. `0xfffffffffffff000` on a dma-buf);
    /// 6. the type: `MAP_SHARED_VALIDATE` with an unknown flag → `EOPNOTSUPP`; a writable
    ///    shared mapping of a file not open for writing → `EACCES`; any mapping of a file not
    ///    open for reading → `EACCES`; a file with no `mmap` (a heap node, `/dev/udmabuf`)
    ///    → `ENODEV`; `MAP_GROWSDOWN` → `EINVAL`; a type that is none of shared, private or
    ///    shared-validate → `EINVAL`;
    /// 7. a write-sealed memfd refuses a writable shared mapping → `EPERM`;
    /// 8. a dma-buf: a window past the buffer's pages → `EINVAL`; then the exporter (the
    ///    system heap maps privately only one page, CMA and udmabuf only shared, a protected
    ///    heap not at all).
    ///
    /// `MAP_ANONYMOUS` maps zeroed memory from the page allocator and ignores `fd`.
    /// Loads and stores through the mapping (``load(_:count:)``, ``store(_:bytes:)``) go over
    /// the bus as the non-secure CPU.
    public func mmap(length: UInt64, protection: MmapProtection, flags: MmapFlags, fd: FileDescriptor,
                     offset: UInt64) throws(Errno) -> VirtualAddress {
        guard offset & (pageSize - 1) == 0 else { throw .invalidArgument }
        let pageOffset = offset >> pageShift
        if flags.contains(.anonymous) {
            return try mmapAnonymous(length: length, protection: protection, flags: flags)
        }
        let file = try fget(fd)
        defer { file.release() }
        if flags.contains(.hugeTLB) { throw .invalidArgument }
        let (start, aligned) = try placement(length: length, pageOffset: pageOffset, flags: flags)

        let maximum: UInt64
        if case .memfd = file.object { maximum = MemFD.maximumSize } else { maximum = UInt64.max }
        guard aligned <= maximum, pageOffset <= (maximum - aligned) >> pageShift else { throw .overflow }

        var effective = flags
        switch flags.type {
        case .shared, .sharedValidate:
            if flags.type == .shared { effective = flags.intersection(.legacyMask) }
            guard effective.subtracting(.legacyMask).isEmpty else { throw .notSupported }
            if protection.contains(.write), !file.mode.contains(.write) { throw .permissionDenied }
        case .private:
            break
        default:
            throw .invalidArgument
        }
        let shared = flags.type != .private
        guard file.mode.contains(.read) else { throw .permissionDenied }
        let object: MappedObject
        switch file.object {
        case .dmaBuf(let buffer):
            if effective.contains(.growsDown) { throw .invalidArgument }
            let mapping = try buffer.mmap(MmapRequest(pageOffset: pageOffset, length: aligned, shared: shared,
                                                      protection: protection.contains(.write) ? .readWrite : .readOnly))
            object = MappedObject(.dmaBuf(mapping))
        case .memfd(let memfd):
            if effective.contains(.growsDown) { throw .invalidArgument }
            var mayWrite = shared && file.mode.contains(.write)
            if shared, memfd.seals.isWriteSealed {
                if protection.contains(.write) { throw .notPermitted }
                mayWrite = false
            }
            try file.retain()
            let mapping = MemFDMapping(memfd: memfd, fileOffset: offset, length: aligned, shared: shared, mayWrite: mayWrite)
            object = MappedObject(.memfd(mapping, file: file))
        case .dmaHeap, .udmabufDevice, .drmRender, .syncFile, .null, .directory, .path:
            throw .noSuchDevice
        }
        return try insert(object, start: start, length: aligned, protection: protection)
    }

    /// munmap(2): `EINVAL` for an address that is not page-aligned, a range outside the
    /// user address space, or a length of 0; otherwise 0, whatever was (or was not) mapped
    /// there. A mapping cut in the middle is split in two.
    public func munmap(_ address: VirtualAddress, length: UInt64) throws(Errno) {
        let start = address.rawValue
        guard start & (pageSize - 1) == 0, start <= AddressSpace.taskSize, length <= AddressSpace.taskSize - start else {
            throw .invalidArgument
        }
        guard let aligned = pageAlignUp(length), aligned > 0 else { throw .invalidArgument }
        let dropped = try live { state throws(Errno) in try state.space.unmap(start, start + aligned) }
        for object in dropped { object.dropPiece() }
    }

    /// A load of `count` bytes at `address`: `EFAULT` where a real process would take a
    /// signal (an address not mapped, a mapping without access, a page past the end of a
    /// file, a bus fault).
    public func load(_ address: VirtualAddress, count: UInt64) throws(Errno) -> [UInt8] {
        let pieces = try live { state throws(Errno) in
            guard let pieces = state.space.pieces(address.rawValue, count) else { throw .badAddress }
            return pieces
        }
        var bytes: [UInt8] = []
        for piece in pieces {
            guard piece.area.protection.allowsLoad else { throw .badAddress }
            bytes += try piece.area.object.read(at: piece.area.objectOffset + piece.offset, count: piece.count)
        }
        return bytes
    }

    /// A store of `bytes` at `address`; `EFAULT` as for ``load(_:count:)``, and for a mapping
    /// without `PROT_WRITE`. Pieces before a faulting one stay stored, as on hardware.
    public func store(_ address: VirtualAddress, bytes: [UInt8]) throws(Errno) {
        let pieces = try live { state throws(Errno) in
            guard let pieces = state.space.pieces(address.rawValue, UInt64(bytes.count)) else { throw .badAddress }
            return pieces
        }
        var consumed = 0
        for piece in pieces {
            guard piece.area.protection.allowsStore else { throw .badAddress }
            let chunk = Array(bytes[consumed..<(consumed + Int(piece.count))])
            try piece.area.object.write(at: piece.area.objectOffset + piece.offset, bytes: chunk)
            consumed += Int(piece.count)
        }
    }

    /// The mappings, lowest first: start, length and protection.
    public var mappings: [(start: VirtualAddress, length: UInt64, protection: MmapProtection)] {
        state.withLock { state in
            state.space.areas.map { (VirtualAddress(rawValue: $0.start), $0.length, $0.protection) }
        }
    }

    // MARK: Helpers

    /// Steps 3 and 4: the page-aligned length and where the mapping will go.
    private func placement(length: UInt64, pageOffset: UInt64, flags: MmapFlags) throws(Errno) -> (UInt64, UInt64) {
        guard length > 0 else { throw .invalidArgument }
        guard let aligned = pageAlignUp(length), aligned > 0 else { throw .noMemory }
        guard !pageOffset.addingReportingOverflow(aligned >> pageShift).overflow else { throw .overflow }
        return try live { state throws(Errno) in
            guard state.space.mapCount <= AddressSpace.maxMapCount else { throw .noMemory }
            guard aligned <= AddressSpace.taskSize else { throw .noMemory }
            if !flags.intersection([.fixed, .fixedNoReplace]).isEmpty { throw .notPermitted }
            guard let start = state.space.unmappedArea(length: aligned) else { throw .noMemory }
            return (start, aligned)
        }
    }

    private func insert(_ object: MappedObject, start: UInt64, length: UInt64, protection: MmapProtection) throws(Errno) -> VirtualAddress {
        do {
            try live { state throws(Errno) in
                state.space.insert(VirtualMemoryArea(start: start, end: start + length, protection: protection,
                                                     object: object, objectOffset: 0))
            }
        } catch {
            object.dropPiece()
            throw error
        }
        return VirtualAddress(rawValue: start)
    }

    /// Anonymous memory: a private memfd of the mapping's size (shared anonymous memory is a
    /// shmem file in the kernel too; a private one behaves the same while nobody shares it).
    /// `MAP_HUGETLB` needs huge pages the model never reserves → `ENOMEM`.
    private func mmapAnonymous(length: UInt64, protection: MmapProtection, flags: MmapFlags) throws(Errno) -> VirtualAddress {
        let (start, aligned) = try placement(length: length, pageOffset: 0, flags: flags)
        switch flags.type {
        case .shared, .sharedValidate, .private, MmapFlags(rawValue: 0x08): break
        default: throw .invalidArgument
        }
        if flags.contains(.hugeTLB) { throw .noMemory }
        let memfd = MemFD(name: "/dev/zero (deleted)", inode: kernel.newShmemInode(), pages: kernel.pages, seals: .seal, executable: false)
        let file = OpenFileDescription(object: .memfd(memfd), path: "/dev/zero (deleted)", inode: memfd.inode,
                                       mountID: MountID.shmem, mode: [.read, .write, .opened], flags: .readWrite)
        try memfd.truncate(to: aligned)
        let mapping = MemFDMapping(memfd: memfd, fileOffset: 0, length: aligned, shared: true, mayWrite: true)
        return try insert(MappedObject(.memfd(mapping, file: file)), start: start, length: aligned, protection: protection)
    }
}
