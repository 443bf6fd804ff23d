import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemUserspace
import Testing

/// mmap of dma-buf descriptors (§9): every check in the kernel's order, loads and stores over
/// the bus as the non-secure CPU, and the references a mapping holds.
@Suite struct MmapTests {
    @Test func sharedMappingsSeeTheBufferAndStartZeroed() throws {
        try withUserspace { userspace, process in
            let buffer = try process.allocate(try process.openHeap(), length: 3 << 20, fdFlags: .readWrite)
            let a = try process.mmap(length: 3 << 20, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0)
            #expect(try process.load(a, count: 3 << 20).allSatisfy { $0 == 0 })
            let b = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: buffer, offset: 2 << 20)
            try process.store(a.advanced(by: (2 << 20) - 2)!, bytes: [1, 2, 3, 4])
            #expect(try process.load(b, count: 2) == [3, 4])
            // The stores went over the bus, into the physical pages the buffer has.
            guard case .dmaBuf(let dmabuf) = process.file(buffer)?.object else { throw Errno.invalidArgument }
            let mapping = try dmabuf.vmap()
            defer { try? mapping.unmap() }
            #expect(try mapping.read(at: (2 << 20) - 2, count: 4) == [1, 2, 3, 4])
            #expect(userspace.board.bus.faults.count == 0)
        }
    }

    static let refusalCases: [MmapRefusal] = [
        MmapRefusal("offset not page-aligned", UInt64(4096), UInt64(100), MmapFlags.shared, Errno.invalidArgument),
        MmapRefusal("length 0", 0, 0, .shared, .invalidArgument),
        MmapRefusal("longer than the buffer", 12288, 0, .shared, .invalidArgument),
        MmapRefusal("starting past the buffer", 4096, 8192, .shared, .invalidArgument),
        MmapRefusal("running past the buffer", 8192, 4096, .shared, .invalidArgument),
        MmapRefusal("a huge but nameable offset", 4096, 0xffff_ffff_0000_0000, .shared, .invalidArgument),
        MmapRefusal("an offset the file cannot name", 4096, 0xffff_ffff_ffff_f000, .shared, .overflow),
        MmapRefusal("a length that wraps", .max, 0, .shared, .noMemory),
        MmapRefusal("a length beyond TASK_SIZE", 1 << 47, 0, .shared, .noMemory),
        MmapRefusal("no mapping type", 4096, 0, [], .invalidArgument),
        MmapRefusal("MAP_DROPPABLE on a file", 4096, 0, MmapFlags(rawValue: 8), .invalidArgument),
        MmapRefusal("MAP_SHARED_VALIDATE with MAP_SYNC", 4096, 0, [.sharedValidate, .sync], .notSupported),
        MmapRefusal("MAP_GROWSDOWN", 4096, 0, [.shared, .growsDown], .invalidArgument),
        MmapRefusal("MAP_HUGETLB on a dma-buf", 4096, 0, [.shared, .hugeTLB], .invalidArgument),
        MmapRefusal("two private pages of a system-heap buffer", 8192, 0, .private, .invalidArgument),
    ]

    @Test(arguments: refusalCases)
    func refusals(_ refusal: MmapRefusal) throws {
        let (label, length, offset, flags, errno) = (refusal.label, refusal.length, refusal.offset, refusal.flags, refusal.errno)
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 8192, fdFlags: .readWrite)
            #expect(throws: errno, "\(label)") {
                try process.mmap(length: length, protection: .read, flags: flags, fd: buffer, offset: offset)
            }
            #expect(process.mappings.isEmpty)
            #expect(try process.fdinfoFields(buffer)["count"] == "1")
        }
    }

    @Test func accessModeAgainstProtection() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let readOnly = try process.allocate(heap, length: 4096, fdFlags: .readOnly)
            #expect(throws: Errno.permissionDenied) { try process.mmap(length: 4096, protection: [.read, .write], flags: .shared, fd: readOnly, offset: 0) }
            _ = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: readOnly, offset: 0)
            // Private and writable is copy on write: allowed, and the buffer never sees the store.
            let cow = try process.mmap(length: 4096, protection: [.read, .write], flags: .private, fd: readOnly, offset: 0)
            try process.store(cow, bytes: [9])
            #expect(try process.load(cow, count: 1) == [9])
            let view = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: readOnly, offset: 0)
            #expect(try process.load(view, count: 1) == [0])
            let writeOnly = try process.allocate(heap, length: 4096, fdFlags: .writeOnly)
            #expect(throws: Errno.permissionDenied) { try process.mmap(length: 4096, protection: .write, flags: .shared, fd: writeOnly, offset: 0) }
            #expect(throws: Errno.permissionDenied) { try process.mmap(length: 4096, protection: .read, flags: .private, fd: writeOnly, offset: 0) }
            // Checks before the access mode win: the type.
            #expect(throws: Errno.invalidArgument) { try process.mmap(length: 4096, protection: .write, flags: [], fd: writeOnly, offset: 0) }
        }
    }

    @Test func filesWithoutMmapAreENODEVAndClosedOnesEBADF() throws {
        try withUserspace { _, process in
            let heap = try process.openHeap()
            let udmabuf = try process.open("/dev/udmabuf", flags: .readWrite)
            for fd in [heap, udmabuf] {
                #expect(throws: Errno.noSuchDevice) { try process.mmap(length: 4096, protection: .read, flags: .shared, fd: fd, offset: 0) }
            }
            try process.close(heap)
            #expect(throws: Errno.badFileDescriptor) { try process.mmap(length: 4096, protection: .read, flags: .shared, fd: heap, offset: 0) }
            // The offset's alignment is checked before the descriptor.
            #expect(throws: Errno.invalidArgument) { try process.mmap(length: 4096, protection: .read, flags: .shared, fd: heap, offset: 1) }
        }
    }

    /// Protected heaps refuse CPU mappings whatever is asked: `EINVAL` without an mmap op
    /// (tee_heap.c), `EPERM` from MediaTek's restricted heap.
    @Test func protectedHeapsRefuseMappings() throws {
        for (policy, errno) in [(CarveoutHeap.CPUAccessPolicy.teeHeap, Errno.invalidArgument), (.restrictedHeap, .notPermitted)] {
            var configuration = BoardConfiguration.builtinDefault
            configuration.carveouts[0].cpuAccessPolicy = policy
            try withUserspace(configuration) { userspace, process in
                let buffer = try process.allocate(try process.openHeap("protected-carveout"), length: 1 << 20, fdFlags: .readWrite)
                for (protection, flags) in [(MmapProtection.read, MmapFlags.shared), ([.read, .write], .shared), (.read, .private)] {
                    #expect(throws: errno) { try process.mmap(length: 4096, protection: protection, flags: flags, fd: buffer, offset: 0) }
                }
                #expect(try process.fdinfoFields(buffer)["count"] == "1")
                #expect(userspace.board.bus.faults.count == 0, "a refused mapping touched the bus")
            }
        }
    }

    @Test func theCMAHeapMapsSharedOnly() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap("linux,cma"), length: 8192, fdFlags: .readOnly)
            #expect(throws: Errno.invalidArgument) { try process.mmap(length: 4096, protection: .read, flags: .private, fd: buffer, offset: 0) }
            // A read-only descriptor's shared mapping loses VM_SHARED but keeps VM_MAYSHARE.
            let map = try process.mmap(length: 8192, protection: .read, flags: .shared, fd: buffer, offset: 0)
            #expect(try process.load(map, count: 8192).allSatisfy { $0 == 0 })
        }
    }

    @Test func aMappingKeepsItsBufferAliveAfterClose() throws {
        try withUserspace { userspace, process in
            let heap = try process.openHeap()
            let start = freeBytes(userspace.board, "system")
            let buffer = try process.allocate(heap, length: 1 << 20, fdFlags: .readWrite)
            let map = try process.mmap(length: 1 << 20, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0)
            try process.close(buffer)
            #expect(userspace.board.dmaBufs.count == 1)
            #expect(userspace.bufinfo().contains("01048576\t00000002\t00080007\t00000001\tsystem"))
            try process.store(map.advanced(by: 1000)!, bytes: [7, 7])
            #expect(try process.load(map.advanced(by: 999)!, count: 4) == [0, 7, 7, 0])
            try process.munmap(map, length: 1 << 20)
            #expect(userspace.board.dmaBufs.count == 0)
            #expect(freeBytes(userspace.board, "system") == start)
            #expect(throws: Errno.badAddress) { try process.load(map, count: 1) }
            // munmap of nothing is still 0.
            try process.munmap(map, length: 1 << 20)
        }
    }

    @Test func munmapChecksItsArguments() throws {
        try withUserspace { _, process in
            #expect(throws: Errno.invalidArgument) { try process.munmap(VirtualAddress(rawValue: 4097), length: 4096) }
            #expect(throws: Errno.invalidArgument) { try process.munmap(VirtualAddress(rawValue: 4096), length: 0) }
            #expect(throws: Errno.invalidArgument) { try process.munmap(VirtualAddress(rawValue: 1 << 47), length: 4096) }
            #expect(throws: Errno.invalidArgument) { try process.munmap(VirtualAddress(rawValue: 4096), length: .max) }
        }
    }

    /// Cutting a hole in a mapping splits it in two, and the new piece holds a reference of
    /// its own, as `split_vma` takes one with `get_file`.
    @Test func aHoleSplitsTheMappingAndCountsTwice() throws {
        try withUserspace { userspace, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4 * 4096, fdFlags: .readWrite)
            let map = try process.mmap(length: 4 * 4096, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0)
            try process.store(map, bytes: [UInt8](repeating: 5, count: 4 * 4096))
            #expect(try process.fdinfoFields(buffer)["count"] == "2")
            try process.munmap(map.advanced(by: 4096)!, length: 4096)
            #expect(try process.fdinfoFields(buffer)["count"] == "3")
            #expect(process.mappings.count == 2)
            #expect(throws: Errno.badAddress) { try process.load(map.advanced(by: 4096)!, count: 1) }
            #expect(try process.load(map.advanced(by: 3 * 4096)!, count: 1) == [5])
            // Trimming an edge takes no reference.
            try process.munmap(map.advanced(by: 3 * 4096)!, length: 4096)
            #expect(try process.fdinfoFields(buffer)["count"] == "3")
            try process.close(buffer)
            try process.munmap(map, length: 4 * 4096)
            #expect(userspace.board.dmaBufs.count == 0)
        }
    }

    @Test func protectionIsEnforcedOnLoadsAndStores() throws {
        try withUserspace { _, process in
            let buffer = try process.allocate(try process.openHeap(), length: 4096, fdFlags: .readWrite)
            let none = try process.mmap(length: 4096, protection: .none, flags: .shared, fd: buffer, offset: 0)
            let readable = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: buffer, offset: 0)
            #expect(throws: Errno.badAddress) { try process.load(none, count: 1) }
            #expect(throws: Errno.badAddress) { try process.store(readable, bytes: [1]) }
            #expect(throws: Errno.badAddress) { try process.load(readable.advanced(by: 4000)!, count: 200) }
            #expect(throws: Errno.badAddress) { try process.load(VirtualAddress(rawValue: 0x1000), count: 1) }
        }
    }

    @Test func anonymousMemoryComesFromThePageAllocator() throws {
        try withUserspace { userspace, process in
            let start = freeBytes(userspace.board, "system")
            let map = try process.mmap(length: 8192, protection: [.read, .write], flags: [.private, .anonymous], fd: .invalid, offset: 0)
            try process.store(map.advanced(by: 4095)!, bytes: [1, 2])
            #expect(try process.load(map.advanced(by: 4094)!, count: 4) == [0, 1, 2, 0])
            #expect(freeBytes(userspace.board, "system") == start - 8192)
            try process.munmap(map, length: 8192)
            #expect(freeBytes(userspace.board, "system") == start)
        }
    }
}

struct MmapRefusal: Sendable, CustomTestStringConvertible {
    let label: String
    let length: UInt64
    let offset: UInt64
    let flags: MmapFlags
    let errno: Errno

    init(_ label: String, _ length: UInt64, _ offset: UInt64, _ flags: MmapFlags, _ errno: Errno) {
        (self.label, self.length, self.offset, self.flags, self.errno) = (label, length, offset, flags, errno)
    }

    var testDescription: String { "\(label): \(errno.name)" }
}
