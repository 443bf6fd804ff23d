import ProtMemDMABuf
import ProtMemMemory
import ProtMemTestSupport
import Synchronization
import Testing

/// A heap test double: exports tracking buffers over one range and records what the
/// framework passed down.
final class RecordingHeap: DMAHeapOps {
    let range = PhysicalRange(checkedBase: 0x1000, size: 0x10000)
    let requests = Mutex<[(UInt64, OpenFlags)]>([])
    let failWith: Errno?

    init(failWith: Errno? = nil) { self.failWith = failWith }

    func allocate(_ heap: DMAHeap, length: UInt64, fdFlags: OpenFlags, heapFlags: DMAHeapFlags) throws(Errno) -> DMABuf {
        requests.withLock { $0.append((length, fdFlags)) }
        if let failWith { throw failWith }
        return try heap.export(TrackingExporter(range: PhysicalRange(base: range.base, size: length)!), size: length, fdFlags: fdFlags)
    }

    var statistics: DMAHeapStatistics { DMAHeapStatistics(kind: "test", size: range.size, free: range.size, isProtected: false) }
}

@Suite struct DMAHeapRegistryTests {
    let registry: DMAHeapRegistry

    init() throws {
        let bus = Bus(memory: try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 1 << 20)]))
        registry = DMAHeapRegistry(bufferList: DMABufList(bus: bus))
    }

    @Test func addRefusesEmptyAndDuplicateNames() throws {
        #expect(throws: Errno.invalidArgument) { try registry.add(name: "", ops: RecordingHeap()) }
        let heap = try registry.add(name: "system", ops: RecordingHeap())
        #expect(heap.devicePath == "/dev/dma_heap/system")
        #expect(throws: Errno.invalidArgument) { try registry.add(name: "system", ops: RecordingHeap()) }
        #expect(registry.names == ["system"])
    }

    @Test func atMost128Heaps() throws {
        for i in 0..<DMAHeapRegistry.maximumHeaps { try registry.add(name: "heap\(i)", ops: RecordingHeap()) }
        #expect(throws: Errno.resourceBusy) { try registry.add(name: "one-too-many", ops: RecordingHeap()) }
        #expect(registry.heaps.map(\.minor) == Array(0..<128))
    }

    @Test func findCountsReferencesAndPutReleasesTheLast() throws {
        #expect(registry.find("missing") == nil)
        let added = try registry.add(name: "protected,secure-video", ops: RecordingHeap())
        let found = try #require(registry.find("protected,secure-video"))
        #expect(found === added)
        #expect(added.referenceCount == 2)
        registry.put(found)
        #expect(added.referenceCount == 1)
        #expect(registry.find("protected,secure-video") != nil)
        registry.put(added)
        registry.put(added)
        #expect(registry.find("protected,secure-video") == nil)
        // Its minor is free again.
        #expect(try registry.add(name: "again", ops: RecordingHeap()).minor == 0)
    }

    @Test func allocateChecksInTheKernelsOrder() throws {
        let ops = RecordingHeap()
        let heap = try registry.add(name: "system", ops: ops)
        // fd_flags outside O_CLOEXEC|O_ACCMODE, any heap flag, PAGE_ALIGN(len) == 0: EINVAL,
        // and the heap never sees the request.
        for flags: OpenFlags in [.nonBlocking, OpenFlags(rawValue: 0x8000_0000), [.readWrite, OpenFlags(rawValue: 0o100)]] {
            #expect(throws: Errno.invalidArgument) { try registry.allocate(heap, length: 4096, fdFlags: flags) }
        }
        for bit in [0, 1, 63] {
            #expect(throws: Errno.invalidArgument) { try registry.allocate(heap, length: 4096, fdFlags: .readWrite, heapFlags: DMAHeapFlags(rawValue: 1 << UInt64(bit))) }
        }
        for length: UInt64 in [0, .max, .max - 4094] {
            #expect(throws: Errno.invalidArgument) { try registry.allocate(heap, length: length, fdFlags: .readWrite) }
        }
        #expect(ops.requests.withLock { $0.isEmpty })
        // The heap gets the page-aligned length and the caller's flags.
        let buffer = try registry.allocate(heap, length: 4097, fdFlags: [.closeOnExec, .writeOnly])
        #expect(ops.requests.withLock { $0.map(\.0) } == [8192])
        #expect(buffer.size == 8192)
        #expect(buffer.fileFlags == .writeOnly)
        #expect(buffer.fileMode == 0x80006)
        try buffer.put()
    }

    @Test func aHeapsOwnErrorPassesThrough() throws {
        let heap = try registry.add(name: "failing", ops: RecordingHeap(failWith: .notSupported))
        #expect(throws: Errno.notSupported) { try registry.allocate(heap, length: 4096, fdFlags: .readWrite) }
        #expect(registry.bufferList.count == 0)
    }
}
