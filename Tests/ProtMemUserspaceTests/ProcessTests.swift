import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Testing

/// Descriptor tables, open file descriptions, fd passing, exec and exit.
@Suite struct ProcessTests {
    @Test func descriptorsTakeTheLowestFreeNumber() throws {
        try withUserspace { _, process in
            #expect(process.openDescriptors.map(\.rawValue) == [0, 1, 2], "a process starts with 0, 1 and 2 open")
            let a = try process.openHeap(), b = try process.openHeap(), c = try process.openHeap()
            #expect([a, b, c].map(\.rawValue) == [3, 4, 5])
            try process.close(b)
            try process.close(FileDescriptor(rawValue: 0))
            #expect(try process.dup(c).rawValue == 0)
            #expect(try process.openHeap().rawValue == 4)
            #expect(try process.openHeap().rawValue == 6)
            #expect(throws: Errno.badFileDescriptor) { try process.close(FileDescriptor(rawValue: 7)) }
            #expect(throws: Errno.badFileDescriptor) { try process.close(.invalid) }
            process._checkInvariants()
        }
    }

    @Test func theTableIsLimitedToRLIMIT_NOFILE() throws {
        try withUserspace { _, process in
            while (try? process.open("/dev/null", flags: .readOnly)) != nil {}
            #expect(process.openDescriptors.count == 1024)
            #expect(throws: Errno.tooManyOpenFiles) { try process.openHeap() }
            #expect(throws: Errno.tooManyOpenFiles) { try process.dup(FileDescriptor(rawValue: 0)) }
            // EMFILE comes before the lookup.
            #expect(throws: Errno.tooManyOpenFiles) { try process.open("/no/such/file", flags: .readOnly) }
            #expect(throws: Errno.tooManyOpenFiles) { try process.memfdCreate(name: "x", flags: []) }
        }
    }

    @Test func dupSharesTheFileButNotCloseOnExec() throws {
        try withUserspace { _, process in
            let heap = try process.open("/dev/dma_heap/system", flags: [.readWrite, .closeOnExec])
            let copy = try process.dup(heap)
            #expect(try process.isCloseOnExec(heap))
            #expect(try !process.isCloseOnExec(copy))
            #expect(process.file(heap) === process.file(copy))
            #expect(process.file(heap)?.referenceCount == 2)
            try process.ioctl(heap, .fionbio, UserBuffer([1, 0, 0, 0]))
            #expect(process.file(copy)?.flags.contains(.nonBlocking) == true)
            #expect(try process.fdinfoFields(heap)["flags"] == "02104002")
            #expect(try process.fdinfoFields(copy)["flags"] == "0104002")
        }
    }

    /// exec closes exactly the close-on-exec descriptors and every mapping.
    @Test func execClosesCloseOnExecDescriptorsAndMappings() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let kept = try process.allocate(heap, length: 4096, fdFlags: .readWrite)
            let dropped = try process.allocate(heap, length: 4096, fdFlags: [.readWrite, .closeOnExec])
            let flipped = try process.allocate(heap, length: 4096, fdFlags: .readWrite)
            try process.setCloseOnExec(flipped, true)
            let mapped = try process.allocate(heap, length: 4096, fdFlags: [.readWrite, .closeOnExec])
            _ = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: mapped, offset: 0)
            #expect(userspace.board.dmaBufs.count == 4)
            try process.exec()
            #expect(process.openDescriptors.map(\.rawValue) == [0, 1, 2, heap.rawValue, kept.rawValue])
            #expect(process.mappings.isEmpty)
            #expect(userspace.board.dmaBufs.count == 1)
            for fd in [dropped, flipped, mapped] {
                #expect(throws: Errno.badFileDescriptor) { try process.sync(fd, [.start, .readWrite]) }
            }
        }
    }

    @Test func exitReleasesEverythingAndLaterCallsAreESRCH() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let buffer = try process.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            let copy = try process.dup(buffer)
            _ = try process.mmap(length: 1 << 20, protection: .read, flags: .shared, fd: copy, offset: 0)
            let memfd = try process.memfdCreate(name: "m", flags: .allowSealing)
            try process.ftruncate(memfd, length: 8192)
            try process.addSeals(memfd, .shrink)
            _ = try process.udmabufCreate(try process.open("/dev/udmabuf", flags: .readWrite), memfd: memfd, size: 8192)
            #expect(userspace.board.dmaBufs.count == 2)
            process.exit()
            #expect(userspace.board.dmaBufs.count == 0)
            #expect(userspace.processes.isEmpty)
            #expect(throws: Errno.noSuchProcess) { try process.openHeap() }
            #expect(throws: Errno.noSuchProcess) { try process.close(heap) }
            process.exit()
        }
    }

    /// A buffer passed to a second process (as SCM_RIGHTS does) stays alive after the first
    /// exits, and is freed when the second closes it.
    @Test func aPassedBufferOutlivesItsSender() throws {
        try withUserspace { userspace, producer in
            let consumer = userspace.spawn(name: "consumer")
            let start = freeBytes(userspace.board, "system")
            let heap = try producer.openHeap()
            let buffer = try producer.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            let map = try producer.mmap(length: 1 << 20, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0)
            try producer.store(map.advanced(by: 12345)!, bytes: Array("frame".utf8))
            try producer.setName(buffer, "frame-0")
            let received = try producer.send(buffer, to: consumer, closeOnExec: true)
            #expect(try consumer.isCloseOnExec(received))
            #expect(try consumer.fdinfoFields(received)["count"] == "3", "sender's fd, its mapping, receiver's fd")
            producer.exit()
            #expect(userspace.board.dmaBufs.count == 1)
            #expect(try consumer.fdinfoFields(received) == [
                "pos": "0", "flags": "02000002", "mnt_id": "16", "ino": "1",
                "size": "1048576", "count": "1", "exp_name": "system", "name": "frame-0",
            ])
            let view = try consumer.mmap(length: 1 << 20, protection: .read, flags: .shared, fd: received, offset: 0)
            #expect(try consumer.load(view.advanced(by: 12345)!, count: 5) == Array("frame".utf8))
            try consumer.close(received)
            #expect(userspace.board.dmaBufs.count == 1, "the consumer's mapping still holds it")
            try consumer.munmap(view, length: 1 << 20)
            #expect(userspace.board.dmaBufs.count == 0)
            #expect(freeBytes(userspace.board, "system") == start)
        }
    }

    @Test func passingChecksBothEnds() throws {
        try withUserspace { userspace, sender in
            let receiver = userspace.spawn(name: "receiver")
            let heap = try sender.openHeap()
            #expect(throws: Errno.badFileDescriptor) { try sender.send(FileDescriptor(rawValue: 99), to: receiver) }
            while (try? receiver.open("/dev/null", flags: .readOnly)) != nil {}
            #expect(throws: Errno.tooManyOpenFiles) { try sender.send(heap, to: receiver) }
            #expect(sender.file(heap)?.referenceCount == 1, "a failed pass kept a reference")
            receiver.exit()
            #expect(throws: Errno.noSuchProcess) { try sender.send(heap, to: receiver) }
            #expect(sender.file(heap)?.referenceCount == 1)
        }
    }

    /// bufinfo shows every buffer any process holds, with the kernel's count.
    @Test func bufinfoCoversEveryProcess() throws {
        try withUserspace { userspace, first in
            let second = userspace.spawn(name: "second")
            let a = try first.allocate(try first.openHeap(), length: 4096, fdFlags: [.readWrite, .closeOnExec])
            _ = try second.allocate(try second.openHeap("linux,cma"), length: 8192, fdFlags: .readOnly)
            _ = try first.send(a, to: second)
            let bufinfo = userspace.bufinfo()
            #expect(bufinfo.hasPrefix("\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n"))
            #expect(bufinfo.contains("00008192\t00000000\t00080005\t00000001\tlinux,cma\t00000002\t<none>\n"))
            #expect(bufinfo.contains("00004096\t00000002\t00080007\t00000002\tsystem\t00000001\t<none>\n"))
            #expect(bufinfo.hasSuffix("\nTotal 2 objects, 12288 bytes\n"))
            first.exit()
            second.exit()
            #expect(userspace.bufinfo() == "\nDma-buf Objects:\nsize    \tflags   \tmode    \tcount   \texp_name\tino     \tname\n\nTotal 0 objects, 0 bytes\n")
        }
    }

    @Test func fdinfoOfOtherFilesHasOnlyTheCommonLines() throws {
        try withUserspace { _, process in
            let heap = try process.open("/dev/dma_heap/system", flags: [.readOnly, .closeOnExec])
            #expect(try process.fdinfo(heap) == "pos:\t0\nflags:\t02100000\nmnt_id:\t24\nino:\t100\n")
            let memfd = try process.memfdCreate(name: "m", flags: [])
            #expect(try process.fdinfoFields(memfd)["flags"] == "0100002")
            #expect(throws: Errno.noSuchFileOrDirectory) { try process.fdinfo(FileDescriptor(rawValue: 77)) }
        }
    }
}

/// read(2) and lseek(2), as far as kernel-interfaces.md §9 observed them.
@Suite struct ReadSeekTests {
    @Test func dmaBufsCannotBeReadButSeekToTheirSize() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let buffer = try process.allocate(heap, length: 4097, fdFlags: .readWrite)
            #expect(throws: Errno.invalidArgument) { try process.read(buffer, count: 16) }
            #expect(try process.lseek(buffer, offset: 0, whence: .end) == 8192)
            #expect(try process.lseek(buffer, offset: 0, whence: .set) == 0)
            #expect(throws: Errno.invalidArgument) { try process.lseek(buffer, offset: 0, whence: .current) }
            #expect(throws: Errno.invalidArgument) { try process.lseek(buffer, offset: 1, whence: .set) }
            #expect(try process.fdinfoFields(buffer)["pos"] == "0")
            let writeOnly = try process.allocate(heap, length: 4096, fdFlags: .writeOnly)
            #expect(throws: Errno.badFileDescriptor) { try process.read(writeOnly, count: 1) }
            #expect(throws: Errno.invalidArgument) { try process.read(heap, count: 1) }
            #expect(throws: Errno.illegalSeek) { try process.lseek(heap, offset: 0, whence: .set) }
        }
    }

    @Test func memfdsReadFromTheirPosition() throws {
        try withUserspace { _, process in
            let memfd = try process.memfdCreate(name: "r", flags: [])
            try process.ftruncate(memfd, length: 10)
            let map = try process.mmap(length: 8192, protection: [.read, .write], flags: .shared, fd: memfd, offset: 0)
            try process.store(map, bytes: Array("0123456789".utf8))
            #expect(try process.lseek(memfd, offset: 4, whence: .set) == 4)
            #expect(try process.read(memfd, count: 3) == Array("456".utf8))
            #expect(try process.fdinfoFields(memfd)["pos"] == "7")
            #expect(try process.read(memfd, count: 100) == Array("789".utf8))
            #expect(try process.read(memfd, count: 100) == [])
            #expect(throws: Errno.invalidArgument) { try process.lseek(memfd, offset: -1, whence: .set) }
            // Past the end of the file but inside its last page is memory; a page beyond is SIGBUS.
            try process.store(map.advanced(by: 100)!, bytes: [1])
            #expect(throws: Errno.badAddress) { try process.load(map.advanced(by: 4096)!, count: 1) }
            #expect(try process.read(memfd, count: 100) == [], "the file did not grow")
        }
    }

    /// `vfs_read` cuts a count at MAX_RW_COUNT, and shmem reads holes as the zero page: a
    /// read(2) of a huge sparse memfd allocates nothing.
    @Test func memfdHolesReadAsZerosWithoutPagesAndCountsStopAtMaxRWCount() throws {
        #expect(UserProcess.maximumReadCount == 0x7fff_f000)
        try withUserspace { userspace, process in
            let memfd = try process.memfdCreate(name: "sparse", flags: [])
            try process.ftruncate(memfd, length: 1 << 40)
            let free = userspace.board.pageAllocator.freeBytes
            #expect(try process.read(memfd, count: 64 << 10) == [UInt8](repeating: 0, count: 64 << 10))
            #expect(userspace.board.pageAllocator.freeBytes == free, "holes stayed holes")
            // A page written through a mapping reads back; its neighbours are still holes.
            let map = try process.mmap(length: 8192, protection: [.read, .write], flags: .shared, fd: memfd, offset: 0)
            try process.store(map.advanced(by: 4095)!, bytes: [7, 8])
            #expect(try process.lseek(memfd, offset: 4094, whence: .set) == 4094)
            #expect(try process.read(memfd, count: 4) == [0, 7, 8, 0])
            #expect(userspace.board.pageAllocator.freeBytes == free - 8192)
            // The end of the file ends a read, however large the count.
            #expect(try process.lseek(memfd, offset: -3, whence: .end) == (1 << 40) - 3)
            #expect(try process.read(memfd, count: .max) == [0, 0, 0])
            #expect(try process.fdinfoFields(memfd)["pos"] == String(1 << 40))
        }
    }
}
