import ProtMemBoard
import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory
import Testing

/// What a heap promises about CPU access, for the conformance suite.
public enum ExpectedCPUAccess: Sendable {
    /// mmap, vmap and CPU-access brackets all work (system, CMA).
    case allowed(privateMappingsLimitedTo: UInt64?)
    /// Protected: mmap and vmap refused with these errnos, the SYNC brackets answer `sync`
    /// (`nil` for success).
    case refused(mmap: Errno, vmap: Errno, sync: Errno?)
}

/// The checks every heap must pass, whatever backs it: allocation sizes and errors,
/// zeroed memory, reference counting and release, attach and map from every device, CPU
/// access answered as the heap kind requires, and accounting back to the start. A new heap
/// gets the whole suite by adding one line to the test that lists heaps.
public struct HeapConformance: Sendable {
    public let heapName: String
    public let cpuAccess: ExpectedCPUAccess
    /// A master allowed to read the heap's memory (the CPU for ordinary heaps).
    public let reader: BusMaster
    /// Whether the normal-world CPU must be refused by the bus.
    public let isProtected: Bool

    public init(heapName: String, cpuAccess: ExpectedCPUAccess, reader: BusMaster = .cpuNonSecure, isProtected: Bool = false) {
        self.heapName = heapName
        self.cpuAccess = cpuAccess
        self.reader = reader
        self.isProtected = isProtected
    }

    public func run(on board: Board, devices: [DMADevice], sourceLocation: SourceLocation = #_sourceLocation) throws {
        let heap = try #require(board.heaps.find(heapName), "heap \(heapName) not registered", sourceLocation: sourceLocation)
        defer { board.heaps.put(heap) }

        // Sizes: rounded up to pages; the framework's errors.
        for (request, expected) in [(UInt64(1), UInt64(4096)), (4097, 8192), (65536, 65536), ((1 << 20) + 12288, (1 << 20) + 12288)] {
            let buffer = try board.heaps.allocate(heap, length: request, fdFlags: [.readWrite, .closeOnExec])
            #expect(buffer.size == expected, "\(heapName): \(request) bytes became \(buffer.size)", sourceLocation: sourceLocation)
            try buffer.put()
        }
        for bad in [UInt64(0), .max, .max - 4094] {
            #expect(throws: Errno.invalidArgument, sourceLocation: sourceLocation) { try board.heaps.allocate(heap, length: bad, fdFlags: .readWrite) }
        }
        #expect(throws: Errno.invalidArgument, sourceLocation: sourceLocation) { try board.heaps.allocate(heap, length: 4096, fdFlags: [.readWrite, .nonBlocking]) }
        #expect(throws: Errno.invalidArgument, sourceLocation: sourceLocation) { try board.heaps.allocate(heap, length: 4096, fdFlags: .readWrite, heapFlags: DMAHeapFlags(rawValue: 1)) }
        #expect(throws: Errno.noMemory, sourceLocation: sourceLocation) { try board.heaps.allocate(heap, length: heap.ops.statistics.size + pageSize, fdFlags: .readWrite) }

        // Zeroed, and zero again after a previous owner wrote into the same memory.
        let first = try board.heaps.allocate(heap, length: 3 * pageSize, fdFlags: .readWrite)
        let table = try mapOnce(first, device: devices[0])
        for entry in table.entries {
            let range = try #require(entry.range)
            #expect(try board.bus.privileged.read(reader, range).allSatisfy { $0 == 0 }, "\(heapName): new buffer not zeroed", sourceLocation: sourceLocation)
            try board.bus.privileged.fill(reader.isSecure ? reader : writerFor(board), range, with: 0xA5)
        }
        try first.put()
        let second = try board.heaps.allocate(heap, length: 3 * pageSize, fdFlags: .readWrite)
        for entry in try mapOnce(second, device: devices[0]).entries {
            #expect(try board.bus.privileged.read(reader, #require(entry.range)).allSatisfy { $0 == 0 }, "\(heapName): reused memory not scrubbed", sourceLocation: sourceLocation)
        }

        // The normal-world CPU must be refused on protected heaps, for every byte.
        if isProtected, let entry = try mapOnce(second, device: devices[0]).entries.first, let range = entry.range {
            let before = board.bus.faults.count
            #expect(throws: AccessFault.self, sourceLocation: sourceLocation) { try board.bus.read(.cpuNonSecure, range) }
            #expect(throws: AccessFault.self, sourceLocation: sourceLocation) { try board.bus.fill(.cpuNonSecure, range, with: 1) }
            #expect(board.bus.faults.count == before + 2, sourceLocation: sourceLocation)
            #expect(try board.bus.privileged.read(reader, range).allSatisfy { $0 == 0 }, "\(heapName): a refused write changed bytes", sourceLocation: sourceLocation)
        }

        // Every device attaches and maps at once; references and release.
        let attachments = try devices.map { try second.attach($0) }
        for attachment in attachments {
            let sgt = try second.map(attachment, direction: .bidirectional)
            #expect(sgt.totalLength == second.size, sourceLocation: sourceLocation)
            try second.unmap(attachment, sgt, direction: .bidirectional)
        }
        #expect(second.attachedDevices.count == devices.count, sourceLocation: sourceLocation)
        try second.get()
        #expect(second.referenceCount == 2, sourceLocation: sourceLocation)
        try second.put()
        try second.put()
        #expect(!second.isReleased, "\(heapName): released while devices were attached", sourceLocation: sourceLocation)
        for attachment in attachments { try second.detach(attachment) }
        #expect(second.isReleased, "\(heapName): not released after the last detach", sourceLocation: sourceLocation)
        #expect(throws: Errno.badFileDescriptor, sourceLocation: sourceLocation) { try second.get() }

        // CPU access as the heap kind requires.
        let buffer = try board.heaps.allocate(heap, length: 2 * pageSize, fdFlags: .readWrite)
        defer { try? buffer.put() }
        switch cpuAccess {
        case .allowed(let privateLimit):
            let mapping = try buffer.mmap(MmapRequest(pageOffset: 0, length: 2 * pageSize, shared: true, protection: .readWrite))
            try buffer.beginCPUAccess(direction: .bidirectional)
            try mapping.write(at: 4090, bytes: Array("protmem".utf8))
            try buffer.endCPUAccess(direction: .bidirectional)
            let kernel = try buffer.vmap()
            #expect(try kernel.read(at: 4090, count: 7) == Array("protmem".utf8), sourceLocation: sourceLocation)
            try kernel.unmap()
            try mapping.unmap()
            #expect(throws: Errno.invalidArgument, sourceLocation: sourceLocation) {
                try buffer.mmap(MmapRequest(pageOffset: 1, length: 2 * pageSize, shared: true, protection: .readOnly))
            }
            if let limit = privateLimit {
                let privatePages = (limit >> pageShift) + 1
                #expect(throws: Errno.invalidArgument, sourceLocation: sourceLocation) {
                    try buffer.mmap(MmapRequest(pageOffset: 0, length: privatePages << pageShift, shared: false, protection: .readOnly))
                }
            }
        case .refused(let mmapErrno, let vmapErrno, let syncErrno):
            #expect(throws: mmapErrno, sourceLocation: sourceLocation) { try buffer.mmap(MmapRequest(pageOffset: 0, length: pageSize, shared: true, protection: .readWrite)) }
            #expect(throws: vmapErrno, sourceLocation: sourceLocation) { try buffer.vmap() }
            if let syncErrno {
                #expect(throws: syncErrno, sourceLocation: sourceLocation) { try buffer.beginCPUAccess(direction: .bidirectional) }
            } else {
                try buffer.beginCPUAccess(direction: .bidirectional)
                try buffer.endCPUAccess(direction: .bidirectional)
            }
        }
    }

    private func mapOnce(_ buffer: DMABuf, device: DMADevice) throws -> SGTable {
        let attachment = try buffer.attach(device)
        defer { try? buffer.detach(attachment) }
        return try buffer.map(attachment, direction: .bidirectional)
    }

    private func writerFor(_ board: Board) -> BusMaster {
        isProtected ? .cpuSecure : .cpuNonSecure
    }
}

/// The devices of the default board, one per standard DMA master.
public let standardDevices: [DMADevice] = [
    DMADevice(name: "fb000000.gpu", master: .gpu),
    DMADevice(name: "fdc38100.video-codec", master: .codec),
    DMADevice(name: "fdd90000.vop", master: .display),
    DMADevice(name: "fdcb0000.isp", master: .camera),
]
