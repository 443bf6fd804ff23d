import ProtMemBoard
import ProtMemDMABuf
import ProtMemHeaps
import ProtMemMemory
import ProtMemUserspace
import Testing

/// `/dev/dma_heap/<name>`, `/dev/udmabuf` and the answers open(2) gives for what is not there.
@Suite struct DeviceNodeTests {
    @Test func everyRegisteredHeapHasANode() throws {
        try withUserspace { userspace, _ in
            let heaps = try userspace.devices.list("/dev/dma_heap")
            #expect(heaps == ["linux,cma", "protected,secure-video", "protected-carveout", "system"])
            let dev = try userspace.devices.list("/dev")
            #expect(dev == ["dma_heap", "null", "udmabuf"])
            for heap in userspace.board.heaps.heaps {
                let node = try userspace.devices.resolve(heap.devicePath)
                #expect(node == .characterDevice(path: heap.devicePath, device: .dmaHeap(minor: heap.minor), inode: 100 + UInt64(heap.minor)))
            }
        }
    }

    /// An unknown name is not in the directory (the VFS's `ENOENT`); an unknown minor behind
    /// a node that exists is the driver's `ENODEV`; an unknown major `ENXIO`.
    @Test func unknownNamesMinorsAndMajors() throws {
        try withUserspace { userspace, process in
            #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("/dev/dma_heap/reserved", flags: .readWrite) }
            try userspace.devices.makeNode(at: "/dev/dma_heap/stale", device: .dmaHeap(minor: 7))
            #expect(throws: Errno.noSuchDevice) { try process.open("/dev/dma_heap/stale", flags: .readWrite) }
            try userspace.devices.makeNode(at: "/dev/misc-other", device: DeviceNumber(major: 10, minor: 200))
            #expect(throws: Errno.noSuchDevice) { try process.open("/dev/misc-other", flags: .readWrite) }
            try userspace.devices.makeNode(at: "/dev/nothing", device: DeviceNumber(major: 240, minor: 0))
            #expect(throws: Errno.noSuchDeviceOrAddress) { try process.open("/dev/nothing", flags: .readWrite) }
            try userspace.devices.makeNode(at: "/dev/zero-ish", device: DeviceNumber(major: 1, minor: 99))
            #expect(throws: Errno.noSuchDeviceOrAddress) { try process.open("/dev/zero-ish", flags: .readWrite) }
            // A node made for the system heap's minor opens the system heap.
            try userspace.devices.makeNode(at: "/dev/dma_heap/alias", device: .dmaHeap(minor: 0))
            let alias = try process.open("/dev/dma_heap/alias", flags: .readWrite)
            let buffer = try process.allocate(alias, length: 4096, fdFlags: .readWrite)
            #expect(try process.fdinfoFields(buffer)["exp_name"] == "system")
            #expect(throws: Errno.fileExists) { try userspace.devices.makeNode(at: "/dev/dma_heap/system", device: .dmaHeap(minor: 3)) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try userspace.devices.makeNode(at: "/tmp/x", device: .null) }
            try userspace.devices.removeNode(at: "/dev/dma_heap/stale")
            #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("/dev/dma_heap/stale", flags: .readWrite) }
        }
    }

    /// The heap nodes follow the registry: a heap added later appears, one put for the last
    /// time disappears, and a descriptor opened before keeps working.
    @Test func nodesFollowTheRegistry() throws {
        try withUserspace { userspace, process in
            let area = try #require(CMAArea(name: "extra", range: PhysicalRange(checkedBase: 0x4800_0000, size: 1 << 20)))
            // The region overlaps the page allocator's RAM, so it is only borrowed for this test:
            // nothing is allocated from it.
            let heap = try userspace.board.heaps.add(name: "extra", ops: CMAHeap(area: ContiguousAllocator(area: area), bus: userspace.board.bus))
            let fd = try process.open("/dev/dma_heap/extra", flags: .readOnly)
            userspace.board.heaps.put(heap)
            #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("/dev/dma_heap/extra", flags: .readOnly) }
            #expect(process.file(fd) != nil)
            try process.close(fd)
        }
    }

    @Test func pathResolution() throws {
        try withUserspace { userspace, process in
            for path in ["/dev/dma_heap/system", "dev/dma_heap/system", "/dev/../dev/./dma_heap//system", "/../../dev/dma_heap/system"] {
                let node = try userspace.devices.resolve(path)
                #expect(node.path == "/dev/dma_heap/system", "\(path)")
            }
            #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("", flags: .readOnly) }
            #expect(throws: Errno.notDirectory) { try process.open("/dev/null/", flags: .readOnly) }
            #expect(throws: Errno.notDirectory) { try process.open("/dev/udmabuf/..", flags: .readOnly) }
            #expect(throws: Errno.nameTooLong) { try process.open("/dev/" + String(repeating: "a", count: 256), flags: .readOnly) }
            #expect(throws: Errno.nameTooLong) { try process.open(String(repeating: "/", count: 4096), flags: .readOnly) }
            #expect(throws: Errno.isDirectory) { try process.open("/dev", flags: .writeOnly) }
            #expect(throws: Errno.isDirectory) { try process.open("/dev", flags: [.readOnly, .truncate]) }
            #expect(throws: Errno.permissionDenied) { try process.open("/dev/dma_heap/new", flags: [.readWrite, .create]) }
            #expect(throws: Errno.noSuchFileOrDirectory) { try process.open("/dev/nodir/new", flags: [.readWrite, .create]) }
            #expect(throws: Errno.fileExists) { try process.open("/dev/null", flags: [.readWrite, .create, .exclusive]) }
            let directory = try process.open("/dev/dma_heap", flags: [.readOnly, .directory])
            #expect(throws: Errno.inappropriateIOCTLForDevice) { try process.allocate(directory, length: 4096, fdFlags: .readWrite) }
        }
    }

    @Test func pathDescriptorsNameButDoNotOperate() throws {
        try withUserspace { _, process in
            let path = try process.open("/dev/dma_heap/system", flags: [.path, .readWrite])
            #expect(throws: Errno.badFileDescriptor) { try process.allocate(path, length: 4096, fdFlags: .readWrite) }
            #expect(throws: Errno.badFileDescriptor) { try process.mmap(length: 4096, protection: .read, flags: .shared, fd: path, offset: 0) }
            #expect(try process.fdinfoFields(path)["flags"] == "010000000")
            let copy = try process.dup(path)
            try process.close(path)
            try process.close(copy)
        }
    }
}
