import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemTestSupport
import ProtMemUserspace
import Testing

/// Runs `body` with a userspace on a fresh leak-checked board and one process. Every process
/// still alive afterwards exits before the leak check runs, so a test passes only if exit
/// gives back everything the processes held.
func withUserspace(_ configuration: BoardConfiguration = .builtinDefault,
                   sourceLocation: SourceLocation = #_sourceLocation,
                   _ body: (Userspace, UserProcess) throws -> Void) throws {
    try withLeakCheckedBoard(configuration, sourceLocation: sourceLocation) { board in
        let userspace = Userspace(board: board)
        let process = userspace.spawn()
        defer {
            userspace._checkInvariants()
            for process in userspace.processes { process.exit() }
            #expect(userspace.processes.isEmpty, sourceLocation: sourceLocation)
        }
        try body(userspace, process)
    }
}

extension UserProcess {
    /// Opens `/dev/dma_heap/<name>` read-write.
    func openHeap(_ name: String = "system") throws -> FileDescriptor {
        try open("/dev/dma_heap/\(name)", flags: .readWrite)
    }

    /// The raw allocation ioctl with a caller-built struct.
    func allocate(_ heap: FileDescriptor, _ data: DMAHeapAllocationData, request: IOCTLNumber = .dmaHeapAlloc) throws(Errno) -> FileDescriptor {
        let argument = UserBuffer(data.bytes)
        try ioctl(heap, request, argument)
        return FileDescriptor(rawValue: Int32(bitPattern: DMAHeapAllocationData(bytesForTest: argument.bytes).fd))
    }

    /// The fields of this descriptor's fdinfo, by key.
    func fdinfoFields(_ fd: FileDescriptor) throws -> [String: String] {
        var fields: [String: String] = [:]
        for line in try fdinfo(fd).split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1, omittingEmptySubsequences: false)
            fields[String(parts[0].dropLast())] = parts.count > 1 ? String(parts[1]) : ""
        }
        return fields
    }
}

extension DMAHeapAllocationData {
    init(bytesForTest bytes: [UInt8]) {
        func field<T: FixedWidthInteger>(_: T.Type, _ offset: Int) -> T {
            (0..<MemoryLayout<T>.size).reduce(T(0)) { $0 | T(bytes[offset + $1]) << (8 * $1) }
        }
        self.init(length: field(UInt64.self, 0), fd: field(UInt32.self, 8), fdFlags: field(UInt32.self, 12), heapFlags: field(UInt64.self, 16))
    }
}

/// Free bytes of the heap named `name`.
func freeBytes(_ board: Board, _ name: String) -> UInt64 {
    board.heaps.heaps.first { $0.name == name }!.ops.statistics.free
}
