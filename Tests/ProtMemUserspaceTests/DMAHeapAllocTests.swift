import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Testing

/// `DMA_HEAP_IOCTL_ALLOC`, check by check, as kernel-interfaces.md §9 observed them.
@Suite struct DMAHeapAllocTests {
    @Test func lengthsRoundUpToPages() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            for (length, size) in [(UInt64(1), "4096"), (4096, "4096"), (4097, "8192"), (1 << 20, "1048576")] {
                let buffer = try process.allocate(heap, length: length, fdFlags: .readWrite)
                #expect(try process.fdinfoFields(buffer)["size"] == size)
                try process.close(buffer)
            }
        }
    }

    @Test func fdFlagsDecideAccessModeAndCloseOnExec() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let plain = try process.allocate(heap, length: 4096, fdFlags: [])
            #expect(try process.isCloseOnExec(plain) == false)
            #expect(try process.fdinfoFields(plain)["flags"] == "00")
            #expect(process.file(plain)?.mode.contains(.write) == false)
            let cloexec = try process.allocate(heap, length: 4096, fdFlags: [.readWrite, .closeOnExec])
            #expect(try process.isCloseOnExec(cloexec))
            #expect(try process.fdinfoFields(cloexec)["flags"] == "02000002")
            let writeOnly = try process.allocate(heap, length: 4096, fdFlags: .writeOnly)
            #expect(try process.fdinfoFields(writeOnly)["flags"] == "01")
            // The access mode is also every mode bufinfo prints: O_RDONLY 00080005, O_RDWR 00080007.
            let bufinfo = userspace.bufinfo()
            #expect(bufinfo.contains("00004096\t00000000\t00080005\t00000001\tsystem\t"))
            #expect(bufinfo.contains("00004096\t00000002\t00080007\t00000001\tsystem\t"))
            #expect(bufinfo.contains("00004096\t00000001\t00080006\t00000001\tsystem\t"))
        }
    }

    /// Each refusal, with everything else valid, in the order the kernel checks them.
    @Test(arguments: [
        ("nonzero fd field", DMAHeapAllocationData(length: 4096, fd: 3, fdFlags: 2)),
        ("fd field -1", DMAHeapAllocationData(length: 4096, fd: .max, fdFlags: 2)),
        ("O_NONBLOCK", DMAHeapAllocationData(length: 4096, fdFlags: 2 | 0o4000)),
        ("fd_flags 0x80000000", DMAHeapAllocationData(length: 4096, fdFlags: 0x8000_0000)),
        ("heap_flags bit 0", DMAHeapAllocationData(length: 4096, fdFlags: 2, heapFlags: 1)),
        ("heap_flags bit 63", DMAHeapAllocationData(length: 4096, fdFlags: 2, heapFlags: 1 << 63)),
        ("len 0", DMAHeapAllocationData(length: 0, fdFlags: 2)),
        ("len ~0", DMAHeapAllocationData(length: .max, fdFlags: 2)),
        ("len wrapping when page-aligned", DMAHeapAllocationData(length: .max - 4094, fdFlags: 2)),
        // The fd field is checked before everything else.
        ("all wrong", DMAHeapAllocationData(length: 0, fd: 1, fdFlags: 0x8000_0000, heapFlags: 1)),
    ])
    func refusedWithEINVAL(_ label: String, _ data: DMAHeapAllocationData) throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let before = process.openDescriptors
            #expect(throws: Errno.invalidArgument, "\(label)") { try process.allocate(heap, data) }
            #expect(process.openDescriptors == before, "a refused allocation opened a descriptor")
            #expect(userspace.board.dmaBufs.count == 0)
        }
    }

    @Test func theNumberIsCheckedFirstAndTheTypeIgnored() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let valid = UserBuffer(DMAHeapAllocationData(length: 4096, fdFlags: 2).bytes)
            #expect(throws: Errno.invalidArgument) { try process.ioctl(heap, IOCTLNumber(rawValue: 0xc018_4801), valid) }
            // Even with no argument at all: the number comes before any copy.
            #expect(throws: Errno.invalidArgument) { try process.ioctl(heap, IOCTLNumber(rawValue: 0xc018_48ff), nil) }
            let otherType = try #require(IOCTLNumber(direction: [.read, .write], type: UInt8(ascii: "Z"), number: 0, size: 24))
            let argument = UserBuffer(DMAHeapAllocationData(length: 4096, fdFlags: 2).bytes)
            #expect(try process.ioctl(heap, otherType, argument) == 0)
            #expect(userspace.board.dmaBufs.count == 1)
        }
    }

    @Test func aBadPointerIsEFAULT() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            #expect(throws: Errno.badAddress) { try process.ioctl(heap, .dmaHeapAlloc, nil) }
            #expect(throws: Errno.badAddress) { try process.ioctl(heap, .dmaHeapAlloc, UserBuffer([0, 0x10, 0, 0, 0, 0, 0, 0])) }
            #expect(userspace.board.dmaBufs.count == 0)
        }
    }

    /// §9: size 8 or `_IOW` answer 0 but never write the fd back; the descriptor leaks
    /// until the process exits (which the leak check then confirms gives it back).
    @Test(arguments: [
        (IOCTLNumber(rawValue: 0xc008_4800), 8),
        (IOCTLNumber(rawValue: 0x4018_4800), 24),
    ])
    func requestsThatNeverReturnTheDescriptorStillAllocate(_ request: IOCTLNumber, _ bytes: Int) throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let data = DMAHeapAllocationData(length: 4096, fdFlags: 2).bytes
            let argument = UserBuffer(Array(data[..<bytes]))
            let before = process.openDescriptors
            #expect(try process.ioctl(heap, request, argument) == 0)
            #expect(argument.bytes == Array(data[..<bytes]), "the struct was written back")
            let leaked = Set(process.openDescriptors).subtracting(before)
            #expect(leaked.count == 1)
            let fd = try #require(leaked.first)
            // Size 8 copied only len in: fd_flags 0, so a read-only descriptor.
            if bytes == 8 { #expect(try process.fdinfoFields(fd)["flags"] == "00") }
            #expect(userspace.board.dmaBufs.count == 1)
        }
    }

    @Test func aLargerStructWithANonzeroTailWorks() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let argument = UserBuffer(DMAHeapAllocationData(length: 4096, fdFlags: 2).bytes + [UInt8](repeating: 0xff, count: 8))
            #expect(try process.ioctl(heap, IOCTLNumber(rawValue: 0xc020_4800), argument) == 0)
            let fd = FileDescriptor(rawValue: Int32(bitPattern: DMAHeapAllocationData(bytesForTest: argument.bytes).fd))
            #expect(try process.fdinfoFields(fd)["size"] == "4096")
            #expect(Array(argument.bytes[24...]) == [UInt8](repeating: 0xff, count: 8), "the tail was changed")
        }
    }

    /// `_IOR` copies nothing in (len 0: `EINVAL`), and after an error nothing is copied
    /// back, so a short buffer still answers `EINVAL` (as 6.12.117 and 7.3.4 answer).
    @Test func readOnlyDirectionSeesAZeroStruct() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let request = IOCTLNumber(rawValue: 0x8018_4800)
            let given = DMAHeapAllocationData(length: 4096, fdFlags: 2).bytes
            let full = UserBuffer(given)
            #expect(throws: Errno.invalidArgument) { try process.ioctl(heap, request, full) }
            #expect(full.bytes == given, "nothing is copied back after an error")
            #expect(throws: Errno.invalidArgument) { try process.ioctl(heap, request, UserBuffer([UInt8](repeating: 1, count: 8))) }
        }
    }

    /// Where Linux would keep allocating until the OOM killer kills the caller, the model
    /// answers `ENOMEM` and leaves nothing allocated (documented in the README).
    @Test(arguments: ["system", "linux,cma", "protected-carveout"])
    func anAllocationLargerThanTheHeapIsENOMEM(_ name: String) throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap(name)
            let start = freeBytes(userspace.board, name)
            #expect(throws: Errno.noMemory) { try process.allocate(heap, length: 4 << 30, fdFlags: .readWrite) }
            #expect(throws: Errno.noMemory) { try process.allocate(heap, length: 0xffff_ffff_ffff_f000, fdFlags: .readWrite) }
            #expect(freeBytes(userspace.board, name) == start)
        }
    }

    /// `dma_buf_fd` failing (`EMFILE`) puts the new buffer: nothing stays allocated.
    @Test func aFullDescriptorTablePutsTheNewBuffer() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            while (try? process.open("/dev/null", flags: .readOnly)) != nil {}
            #expect(process.openDescriptors.count == 1024)
            let start = freeBytes(userspace.board, "system")
            #expect(throws: Errno.tooManyOpenFiles) { try process.allocate(heap, length: 1 << 20, fdFlags: .readWrite) }
            #expect(userspace.board.dmaBufs.count == 0)
            #expect(freeBytes(userspace.board, "system") == start)
        }
    }

    @Test func onlyHeapsHaveTheAllocationIoctl() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let buffer = try process.allocate(heap, length: 4096, fdFlags: .readWrite)
            let udmabuf = try process.open("/dev/udmabuf", flags: .readWrite)
            let null = try process.open("/dev/null", flags: .readWrite)
            for fd in [buffer, udmabuf, null] {
                #expect(throws: Errno.inappropriateIOCTLForDevice) { try process.allocate(fd, length: 4096, fdFlags: .readWrite) }
            }
            try process.close(heap)
            #expect(throws: Errno.badFileDescriptor) { try process.allocate(heap, length: 4096, fdFlags: .readWrite) }
        }
    }
}
