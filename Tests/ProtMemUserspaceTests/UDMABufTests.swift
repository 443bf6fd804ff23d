import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Testing

/// `/dev/udmabuf` (§9): `UDMABUF_CREATE`'s checks one by one, and the pages it shares with
/// the memfd.
@Suite struct UDMABufTests {
    /// A memfd of `length` bytes with `seals` added, and `/dev/udmabuf`.
    func setUp(_ process: UserProcess, length: UInt64 = 1 << 20, seals: MemFDSeals = .shrink) throws -> (device: FileDescriptor, memfd: FileDescriptor) {
        let memfd = try process.memfdCreate(name: "test", flags: .allowSealing)
        try process.ftruncate(memfd, length: length)
        try process.addSeals(memfd, seals)
        return (try process.open("/dev/udmabuf", flags: .readWrite), memfd)
    }

    @Test func pagesAreSharedBothWaysAndComeFromThePageAllocator() throws {
        try withUserspace { userspace, process in
            let start = freeBytes(userspace.board, "system")
            let (device, memfd) = try setUp(process)
            #expect(freeBytes(userspace.board, "system") == start, "an empty memfd took pages")
            let buffer = try process.udmabufCreate(device, memfd: memfd, size: 1 << 20)
            #expect(freeBytes(userspace.board, "system") == start - (1 << 20), "pinning allocated the memfd's pages")
            let fields = try process.fdinfoFields(buffer)
            #expect(fields["exp_name"] == "udmabuf" && fields["size"] == "1048576" && fields["count"] == "1")
            #expect(fields["flags"] == "02", "udmabufs are O_RDWR without close-on-exec by default")
            let viaMemfd = try process.mmap(length: 1 << 20, protection: [.read, .write], flags: .shared, fd: memfd, offset: 0)
            let viaBuffer = try process.mmap(length: 1 << 20, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0)
            try process.store(viaMemfd.advanced(by: 4094)!, bytes: [1, 2, 3, 4])
            #expect(try process.load(viaBuffer.advanced(by: 4094)!, count: 4) == [1, 2, 3, 4])
            try process.store(viaBuffer.advanced(by: (1 << 20) - 1)!, bytes: [0xee])
            #expect(try process.load(viaMemfd.advanced(by: (1 << 20) - 1)!, count: 1) == [0xee])
            // The udmabuf outlives the memfd and its mapping; its pages stay until it goes.
            try process.munmap(viaMemfd, length: 1 << 20)
            try process.close(memfd)
            #expect(try process.load(viaBuffer.advanced(by: 4094)!, count: 4) == [1, 2, 3, 4])
            #expect(freeBytes(userspace.board, "system") == start - (1 << 20))
            try process.munmap(viaBuffer, length: 1 << 20)
            try process.close(buffer)
            #expect(freeBytes(userspace.board, "system") == start)
            #expect(userspace.board.bus.faults.count == 0)
        }
    }

    @Test(arguments: [
        ("unaligned offset", UInt64(100), UInt64(4096)),
        ("size 4097", 0, 4097),
        ("size 0", 0, 0),
        ("past the memfd's end", 0, 2 << 20),
        ("offset at the memfd's end", 1 << 20, 4096),
        ("over size_limit_mb", 0, 65 << 20),
        ("offset that wraps", 0xffff_ffff_ffff_f000, 8192),
    ])
    func sizeAndOffsetChecks(_ label: String, _ offset: UInt64, _ size: UInt64) throws {
        try withUserspace { userspace, process in
            let (device, memfd) = try setUp(process, length: size > 64 << 20 ? 66 << 20 : 1 << 20)
            let start = freeBytes(userspace.board, "system")
            #expect(throws: Errno.invalidArgument, "\(label)") { try process.udmabufCreate(device, memfd: memfd, offset: offset, size: size) }
            #expect(userspace.board.dmaBufs.count == 0)
            // memfd_pin_folios may have filled the memfd's page cache up to its end before
            // refusing, as Linux does; those pages are the memfd's, and nothing stays pinned.
            try process.close(memfd)
            #expect(freeBytes(userspace.board, "system") == start, "a refused create kept pages pinned")
        }
    }

    @Test func exactlyTheLimitIsAccepted() throws {
        try withUserspace { _, process in
            let (device, memfd) = try setUp(process, length: 64 << 20)
            let buffer = try process.udmabufCreate(device, memfd: memfd, size: 64 << 20)
            #expect(try process.fdinfoFields(buffer)["size"] == "67108864")
        }
    }

    @Test(arguments: [
        ("no seals", MemFDSeals()),
        ("F_SEAL_GROW only", .grow),
        ("F_SEAL_WRITE", [.shrink, .write]),
        ("F_SEAL_FUTURE_WRITE", [.shrink, .futureWrite]),
        ("F_SEAL_EXEC, which implies F_SEAL_WRITE on an executable memfd", [.shrink, .exec]),
    ] as [(String, MemFDSeals)])
    func sealChecks(_ label: String, _ seals: MemFDSeals) throws {
        try withUserspace { _, process in
            let (device, memfd) = try setUp(process, seals: seals)
            #expect(throws: Errno.invalidArgument, "\(label)") { try process.udmabufCreate(device, memfd: memfd, size: 4096) }
        }
    }

    @Test func aMemfdWithoutSealingIsSealedAgainstSeals() throws {
        try withUserspace { _, process in
            let memfd = try process.memfdCreate(name: "plain", flags: [])
            try process.ftruncate(memfd, length: 4096)
            #expect(try process.seals(memfd) == .seal)
            #expect(throws: Errno.notPermitted) { try process.addSeals(memfd, .shrink) }
            let device = try process.open("/dev/udmabuf", flags: .readWrite)
            #expect(throws: Errno.invalidArgument) { try process.udmabufCreate(device, memfd: memfd, size: 4096) }
        }
    }

    @Test func anythingButAMemfdIsEBADFD() throws {
        try withUserspace { _, process in
            let (device, memfd) = try setUp(process)
            let heap = try process.openHeap()
            let buffer = try process.allocate(heap, length: 4096, fdFlags: .readWrite)
            for fd in [heap, buffer, device, FileDescriptor(rawValue: 900), .invalid] {
                #expect(throws: Errno.badFileDescriptorState) { try process.udmabufCreate(device, memfd: fd, size: 4096) }
            }
            // The size checks come before the descriptor.
            #expect(throws: Errno.invalidArgument) { try process.udmabufCreate(device, memfd: heap, size: 0) }
            try process.close(memfd)
            #expect(throws: Errno.badFileDescriptorState) { try process.udmabufCreate(device, memfd: memfd, size: 4096) }
        }
    }

    @Test func flagsOnlyMeanCloseOnExec() throws {
        try withUserspace { _, process in
            let (device, memfd) = try setUp(process)
            let plain = try process.udmabufCreate(device, memfd: memfd, size: 4096, flags: 0)
            let other = try process.udmabufCreate(device, memfd: memfd, size: 4096, flags: 0x2)
            let cloexec = try process.udmabufCreate(device, memfd: memfd, size: 4096, flags: 0x1)
            #expect(try !process.isCloseOnExec(plain))
            #expect(try !process.isCloseOnExec(other))
            #expect(try process.isCloseOnExec(cloexec))
        }
    }

    @Test func syncEndBeforeStartAndPrivateMappingsAreEINVAL() throws {
        try withUserspace { _, process in
            let (device, memfd) = try setUp(process)
            let buffer = try process.udmabufCreate(device, memfd: memfd, size: 8192)
            #expect(throws: Errno.invalidArgument) { try process.sync(buffer, [.end, .readWrite]) }
            try process.sync(buffer, [.start, .read])
            try process.sync(buffer, [.end, .readWrite])
            try process.sync(buffer, [.end, .write])
            #expect(throws: Errno.invalidArgument) { try process.mmap(length: 4096, protection: .read, flags: .private, fd: buffer, offset: 0) }
        }
    }

    /// `UDMABUF_CREATE_LIST`: several ranges, possibly of several memfds, in one buffer.
    @Test func createListJoinsRanges() throws {
        try withUserspace { _, process in
            let (device, first) = try setUp(process)
            let (_, second) = try setUp(process)
            let firstMap = try process.mmap(length: 4096, protection: [.read, .write], flags: .shared, fd: first, offset: 4096)
            let secondMap = try process.mmap(length: 4096, protection: [.read, .write], flags: .shared, fd: second, offset: 0)
            try process.store(firstMap, bytes: [1])
            try process.store(secondMap, bytes: [2])
            func item(_ fd: FileDescriptor, _ offset: UInt64, _ size: UInt64) -> [UInt8] {
                var bytes = [UInt8](repeating: 0, count: 24)
                withUnsafeBytes(of: UInt32(fd.rawValue).littleEndian) { bytes.replaceSubrange(0..<4, with: $0) }
                withUnsafeBytes(of: offset.littleEndian) { bytes.replaceSubrange(8..<16, with: $0) }
                withUnsafeBytes(of: size.littleEndian) { bytes.replaceSubrange(16..<24, with: $0) }
                return bytes
            }
            let list = [0, 0, 0, 0, 2, 0, 0, 0] + item(first, 4096, 4096) + item(second, 0, 4096)
            let buffer = FileDescriptor(rawValue: try process.ioctl(device, .udmabufCreateList, UserBuffer(list)))
            let map = try process.mmap(length: 8192, protection: .read, flags: .shared, fd: buffer, offset: 0)
            #expect(try process.load(map, count: 1) == [1])
            #expect(try process.load(map.advanced(by: 4096)!, count: 1) == [2])
            // The list's items are read past the head: a short list faults.
            #expect(throws: Errno.badAddress) { try process.ioctl(device, .udmabufCreateList, UserBuffer(Array(list[..<20]))) }
            #expect(throws: Errno.invalidArgument) { try process.ioctl(device, .udmabufCreateList, UserBuffer([0, 0, 0, 0, 0x01, 0x04, 0, 0])) }
        }
    }

    /// A write seal cannot be added while a udmabuf pins the pages, nor while a shared
    /// mapping could write (`EBUSY`).
    @Test func pinnedPagesRefuseAWriteSeal() throws {
        try withUserspace { _, process in
            let (device, memfd) = try setUp(process)
            let buffer = try process.udmabufCreate(device, memfd: memfd, size: 4096)
            #expect(throws: Errno.resourceBusy) { try process.addSeals(memfd, .write) }
            try process.close(buffer)
            let map = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: memfd, offset: 0)
            #expect(throws: Errno.resourceBusy) { try process.addSeals(memfd, .write) }
            try process.munmap(map, length: 4096)
            try process.addSeals(memfd, .write)
            #expect(throws: Errno.notPermitted) { try process.mmap(length: 4096, protection: [.read, .write], flags: .shared, fd: memfd, offset: 0) }
            #expect(throws: Errno.notPermitted) { try process.ftruncate(memfd, length: 0) }
        }
    }
}
