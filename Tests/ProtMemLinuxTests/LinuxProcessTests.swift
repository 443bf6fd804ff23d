#if canImport(Glibc)
import Foundation
import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
@testable import ProtMemLinux
import ProtMemUserspace
import Testing

/// What the running kernel offers the tests: memfd everywhere Linux is; `/dev/dma_heap` and
/// `/dev/udmabuf` only on kernels built with them (a plain VM often has neither).
enum Host {
    static let hasSystemHeap = FileManager.default.fileExists(atPath: "/dev/dma_heap/system")
    static let hasUDMABuf = FileManager.default.fileExists(atPath: "/dev/udmabuf")
}

/// The Linux backend on the running kernel: the calls answer the kernel's errno, typed as the
/// model's, and loads and stores never take a signal for what the model answers `EFAULT`.
@Suite struct LinuxProcessTests {
    /// The storage type's invariants: the argument window is page-aligned, its guard page
    /// mapped; ioctls go through it under its lock.
    @Test func argumentWindowKeepsItsInvariants() throws {
        let syscalls = try LinuxSyscalls()
        syscalls._checkInvariants()
        #expect(syscalls.windowRange.count == Int(LinuxSyscalls.argumentCapacity + LinuxSyscalls.pageSize))
        let (result, back) = syscalls.ioctl(-1, IOCTLNumber.fioclex.rawValue, [1, 2, 3])
        #expect(result == .failure(.badFileDescriptor))
        #expect(back == [1, 2, 3])
        #expect(syscalls.ioctlCount == 1)
        syscalls._checkInvariants()
    }

    /// A memfd through every call the runner makes: seals, a shared mapping both ways, munmap.
    @Test func memfdCallsAnswerAsTheKernel() throws {
        let process = try LinuxProcess()
        let fd = try process.memfdCreate(name: "protmem-test", flags: [.allowSealing, .closeOnExec])
        defer { try? process.close(fd) }
        try process.ftruncate(fd, length: 8192)
        try process.addSeals(fd, [.shrink, .grow])
        #expect(try process.seals(fd) == [.shrink, .grow])
        #expect(throws: Errno.notPermitted) { try process.ftruncate(fd, length: 4096) }
        #expect(throws: Errno.invalidArgument) { try process.addSeals(fd, MemFDSeals(rawValue: 0x40)) }

        let map = try process.mmap(length: 8192, protection: [.read, .write], flags: .shared, fd: fd, offset: 0)
        let view = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: fd, offset: 4096)
        try process.store(try #require(map.advanced(by: 4094)), bytes: [1, 2, 3, 4])
        #expect(try process.load(view, count: 2) == [3, 4])
        #expect(try process.load(try #require(map.advanced(by: 4092)), count: 6) == [0, 0, 1, 2, 3, 4])
        // A store into the read-only view, a load where nothing was mapped: EFAULT, no signal.
        #expect(throws: Errno.badAddress) { try process.store(view, bytes: [9]) }
        #expect(throws: Errno.badAddress) { try process.load(VirtualAddress(rawValue: 0), count: 1) }
        process._checkInvariants()
        try process.munmap(map, length: 8192)
        #expect(throws: Errno.badAddress) { try process.load(map, count: 1) }
        #expect(try process.load(view, count: 1) == [3])
        try process.munmap(view, length: 4096)
        #expect(process.mappedRanges.isEmpty)
        #expect(try process.fdinfo(fd).contains("flags:"))
        process._checkInvariants()
    }

    /// An ioctl's argument is exactly its bytes: the kernel's copy-back lands in the buffer,
    /// and one that runs past its end faults on the guard page.
    @Test func ioctlArgumentEndsAtTheGuardPage() throws {
        let process = try LinuxProcess()
        let fd = try process.memfdCreate(name: "protmem-test", flags: [])
        defer { try? process.close(fd) }
        try process.ftruncate(fd, length: 12345)
        let answer = UserBuffer([0xff, 0xff, 0xff, 0xff])
        try process.ioctl(fd, .fionread, answer)
        #expect(answer.bytes == [0x39, 0x30, 0, 0])
        #expect(throws: Errno.badAddress) { try process.ioctl(fd, .fionread, UserBuffer([0, 0])) }
        #expect(throws: Errno.badAddress) { try process.ioctl(fd, .fionread, nil) }
        #expect(throws: Errno.inappropriateIOCTLForDevice) { try process.ioctl(fd, .dmaBufSync, UserBuffer([UInt8](repeating: 0, count: 8))) }
        #expect(throws: Errno.badFileDescriptor) { try process.ioctl(.invalid, .fioclex, nil) }
        process._checkInvariants()
    }

    /// The argument window cannot be unmapped from under the ioctls.
    @Test func munmapRefusesTheArgumentWindow() throws {
        let process = try LinuxProcess()
        let fd = try process.memfdCreate(name: "w", flags: [])
        defer { try? process.close(fd) }
        try process.ftruncate(fd, length: 3)
        let window = process.argumentWindow
        #expect(throws: Errno.invalidArgument) {
            try process.munmap(VirtualAddress(rawValue: UInt64(window.upperBound) - LinuxProcess.pageSize), length: LinuxProcess.pageSize)
        }
        let answer = UserBuffer([0, 0, 0, 0])
        try process.ioctl(fd, .fionread, answer)
        #expect(answer.bytes == [3, 0, 0, 0])
        process._checkInvariants()
    }

    /// A descriptor sent over a Unix socket names the same file: a store through one mapping
    /// shows through the other.
    @Test func descriptorPassingSharesTheFile() throws {
        let process = try LinuxProcess()
        let (left, right) = try process.socketPair()
        defer { try? process.close(left); try? process.close(right) }
        let fd = try process.memfdCreate(name: "passed", flags: [])
        try process.ftruncate(fd, length: 4096)
        try process.send(fd, over: left)
        let received = try process.receiveDescriptor(from: right)
        #expect(received != fd)
        let a = try process.mmap(length: 4096, protection: [.read, .write], flags: .shared, fd: fd, offset: 0)
        try process.close(fd)
        let b = try process.mmap(length: 4096, protection: .read, flags: .shared, fd: received, offset: 0)
        try process.store(a, bytes: [0xca, 0xfe])
        #expect(try process.load(b, count: 2) == [0xca, 0xfe])
        try process.close(received)
        try process.munmap(a, length: 4096)
        try process.munmap(b, length: 4096)
        // Not a socket (ENOTSOCK), not open (EBADF), a message without a descriptor (EBADMSG).
        let null = try process.open("/dev/null", flags: .readWrite)
        defer { try? process.close(null) }
        #expect(throws: Errno(rawValue: 88)) { try process.send(left, over: null) }
        #expect(throws: Errno.badFileDescriptor) { try process.send(left, over: FileDescriptor(rawValue: 0x7fff_0000)) }
        #expect(throws: Errno(rawValue: 74)) {
            #expect(Glibc.write(left.rawValue, "x", 1) == 1)
            _ = try process.receiveDescriptor(from: right)
        }
    }

    /// The heap list is the directory's, sorted; a missing directory is `ENOENT`.
    @Test func heapNamesComeFromTheDirectory() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-heaps-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["system", "default_cma_region", "reserved"] {
            #expect(FileManager.default.createFile(atPath: directory.appendingPathComponent(name).path, contents: nil))
        }
        #expect(try DMAHeapDirectory.heapNames(in: directory.path) == ["default_cma_region", "reserved", "system"])
        #expect(throws: Errno.noSuchFileOrDirectory) { try DMAHeapDirectory.heapNames(in: directory.path + "/none") }
        let allocator = DMABufAllocator(process: try LinuxProcess())
        #expect(throws: Errno.noSuchFileOrDirectory) { try allocator.allocate(heap: "../null", length: 4096) }
    }

    /// The same memfd script on the model and on the running kernel gives the same output.
    @Test func memfdScriptAnswersAsTheModel() throws {
        let script = """
        {"op": "memfd", "len": 8192, "seals": "F_SEAL_SHRINK", "as": "mem"}
        {"op": "mmap", "fd": "mem", "len": 8192, "prot": "PROT_READ|PROT_WRITE", "flags": "MAP_SHARED", "as": "rw"}
        {"op": "write", "map": "rw", "offset": 4094, "hex": "0102030405"}
        {"op": "read", "map": "rw", "offset": 4092, "len": 8}
        {"op": "read", "map": "rw", "offset": 8190, "len": 4}
        {"op": "memfd", "len": 4096, "seals": "F_SEAL_SHRINK|F_SEAL_WRITE", "as": "sealed"}
        {"op": "mmap", "fd": "sealed", "len": 4096, "prot": "PROT_READ|PROT_WRITE", "flags": "MAP_SHARED", "as": "x1"}
        {"op": "mmap", "fd": "sealed", "len": 4096, "prot": "PROT_READ", "flags": "MAP_SHARED", "as": "ro"}
        {"op": "write", "map": "ro", "offset": 0, "hex": "00"}
        {"op": "mmap", "fd": "mem", "len": 4096, "offset": 100, "prot": "PROT_READ", "flags": "MAP_SHARED", "as": "x2"}
        {"op": "mmap", "fd": "mem", "len": 0, "prot": "PROT_READ", "flags": "MAP_SHARED", "as": "x3"}
        {"op": "memfd", "len": 4096, "seals": "0x40", "as": "x4"}
        {"op": "memfd", "len": "0x8000000000000000", "as": "x5"}
        {"op": "ioctl", "fd": "mem", "request": "FIOCLEX"}
        {"op": "ioctl", "fd": "mem", "request": "DMA_BUF_IOCTL_SYNC", "arg_hex": "0300000000000000"}
        {"op": "dup", "fd": "mem", "as": "again"}
        {"op": "close", "fd": "mem"}
        {"op": "close", "fd": "mem"}
        {"op": "dup", "fd": "mem", "as": "x6"}
        {"op": "fdinfo", "fd": "mem"}
        {"op": "munmap", "map": "rw"}
        {"op": "read", "map": "rw", "offset": 0, "len": 1}
        {"op": "munmap", "map": "rw"}
        {"op": "close", "fd": "again"}
        {"op": "open", "path": "/dev/null", "flags": "O_RDWR", "as": "null"}
        {"op": "mmap", "fd": "null", "len": 4096, "prot": "PROT_READ", "flags": "MAP_SHARED", "as": "x7"}
        {"op": "open", "path": "/proc/self/nosuch", "flags": "O_RDONLY", "as": "x8"}
        """
        let board = try Board.builtinDefault()
        let model = Userspace(board: board).spawn(name: "model")
        defer { model.exit() }
        var expected: [String] = []
        try ABIScriptRunner(process: model).run(script) { expected.append($0.json) }
        var actual: [String] = []
        let linux = try LinuxProcess()
        try ABIScriptRunner(process: linux).run(script) { actual.append($0.json) }
        #expect(actual.count == 27)
        for (line, (kernel, modelled)) in zip(actual, expected).enumerated() {
            #expect(kernel == modelled, "line \(line + 1)")
        }
        linux._checkInvariants()
    }

    /// A buffer from the system heap, on a kernel that has one.
    @Test(.enabled(if: Host.hasSystemHeap, "needs /dev/dma_heap/system"))
    func systemHeapBuffer() throws {
        let process = try LinuxProcess()
        let allocator = DMABufAllocator(process: process)
        defer { allocator.close() }
        #expect(try allocator.heapNames().contains("system"))
        let buffer = try allocator.allocate(heap: "system", length: 4097)
        defer { try? process.close(buffer) }
        try process.setName(buffer, "protmem-test")
        let info = try process.fdinfo(buffer)
        #expect(info.contains("size:\t8192"))
        #expect(info.contains("name:\tprotmem-test"))
        let map = try process.mmap(length: 8192, protection: [.read, .write], flags: .shared, fd: buffer, offset: 0)
        try process.sync(buffer, [.start, .readWrite])
        #expect(try process.load(map, count: 8192) == [UInt8](repeating: 0, count: 8192))
        try process.store(map, bytes: [7])
        try process.sync(buffer, [.end, .readWrite])
        #expect(try process.load(map, count: 1) == [7])
        try process.munmap(map, length: 8192)
        #expect(throws: Errno.invalidArgument) { try allocator.allocate(heap: "system", length: 0) }
    }

    /// README's example of ProtMemLinux on its own, as written there.
    @Test(.enabled(if: Host.hasSystemHeap, "needs /dev/dma_heap/system"))
    func readmeExample() throws {
        let process = try LinuxProcess()
        let allocator = DMABufAllocator(process: process)
        #expect(try allocator.heapNames().contains("system"))
        let buffer = try allocator.allocate(heap: "system", length: 1 << 20)
        try process.setName(buffer, "camera-frame-0")
        let frame = try process.mmap(length: 1 << 20, protection: [.read, .write], flags: .shared,
                                     fd: buffer, offset: 0)
        try process.sync(buffer, [.start, .write])
        try process.store(frame, bytes: [0x10, 0x80, 0x80])
        try process.sync(buffer, [.end, .write])
        let (here, there) = try process.socketPair()
        try process.send(buffer, over: here)
        let received = try process.receiveDescriptor(from: there)
        #expect(try process.fdinfo(received).contains("name:\tcamera-frame-0"))
        try process.munmap(frame, length: 1 << 20)
        for fd in [buffer, received, here, there] { try process.close(fd) }
        allocator.close()
    }

    /// A udmabuf over a sealed memfd, on a kernel that has `/dev/udmabuf`.
    @Test(.enabled(if: Host.hasUDMABuf, "needs /dev/udmabuf"))
    func udmabufOverMemfd() throws {
        let process = try LinuxProcess()
        let device = try process.open("/dev/udmabuf", flags: .readWrite)
        defer { try? process.close(device) }
        let memfd = try process.memfdCreate(name: "udmabuf", flags: .allowSealing)
        defer { try? process.close(memfd) }
        try process.ftruncate(memfd, length: 8192)
        #expect(throws: Errno.invalidArgument) { try process.udmabufCreate(device, memfd: memfd, size: 8192) }
        try process.addSeals(memfd, .shrink)
        let buffer = try process.udmabufCreate(device, memfd: memfd, size: 8192)
        defer { try? process.close(buffer) }
        #expect(try process.fdinfo(buffer).contains("exp_name:\tudmabuf"))
        try Self.createListJoinsWindows(process, device: device, memfd: memfd)
    }

    /// The typed `UDMABUF_CREATE_LIST` on the model, as on the kernel above.
    @Test func createListOnTheModel() throws {
        let model = Userspace(board: try Board.builtinDefault()).spawn(name: "model")
        defer { model.exit() }
        let device = try model.open("/dev/udmabuf", flags: .readWrite)
        let memfd = try model.memfdCreate(name: "udmabuf", flags: .allowSealing)
        try model.ftruncate(memfd, length: 8192)
        try model.addSeals(memfd, .shrink)
        try Self.createListJoinsWindows(model, device: device, memfd: memfd)
        try model.close(memfd)
        try model.close(device)
    }

    /// Two windows of an 8 KiB sealed memfd, the second page first, as one buffer.
    static func createListJoinsWindows(_ process: any UserspaceSyscalls, device: FileDescriptor, memfd: FileDescriptor) throws {
        let map = try process.mmap(length: 8192, protection: [.read, .write], flags: .shared, fd: memfd, offset: 0)
        try process.store(map, bytes: [0xaa])
        try process.store(try #require(map.advanced(by: 4096)), bytes: [0xbb])
        let list = try process.udmabufCreateList(device, items: [(memfd, 4096, 4096), (memfd, 0, 4096)], flags: 0x01)
        #expect(try process.fdinfo(list).contains("size:\t8192"))
        let view = try process.mmap(length: 8192, protection: .read, flags: .shared, fd: list, offset: 0)
        #expect(try process.load(view, count: 1) == [0xbb])
        #expect(try process.load(try #require(view.advanced(by: 4096)), count: 1) == [0xaa])
        try process.munmap(view, length: 8192)
        try process.munmap(map, length: 8192)
        try process.close(list)
        #expect(throws: Errno.invalidArgument) { try process.udmabufCreateList(device, items: []) }
    }
}
#endif
