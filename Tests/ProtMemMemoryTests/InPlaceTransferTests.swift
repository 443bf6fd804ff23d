@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import Synchronization
import Testing

/// The bus's in-place transfers (a device generating its output straight into DRAM, a
/// scan-out looking at what it reads without copying it) keep the copying transfers' rules:
/// the whole range is checked before anything happens, and the observer sees the bytes.
@Suite struct InPlaceTransferTests {
    final class Seen: BusObserver {
        let log = Mutex<[(kind: String, master: BusMaster, range: PhysicalRange, bytes: [UInt8])]>([])
        func observeRead(_ master: BusMaster, _ range: PhysicalRange, _ data: RawSpan) {
            let bytes = RawSpanReader.array(data)
            log.withLock { $0.append(("read", master, range, bytes)) }
        }
        func observeWrite(_ master: BusMaster, _ range: PhysicalRange, _ data: RawSpan) {
            let bytes = RawSpanReader.array(data)
            log.withLock { $0.append(("write", master, range, bytes)) }
        }
    }

    let bus: Bus
    let monitor: SecureMonitor
    let seen = Seen()
    let protected = PhysicalRange(checkedBase: 0x10_0000, size: 0x10_0000)

    init() throws {
        bus = Bus(memory: try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 4 << 20)]))
        monitor = SecureMonitor(bus: bus)
        try monitor.protect(protected, readers: [.display], writers: [.codec], owner: "test", reason: "test")
        bus.observe(with: seen)
    }

    /// The bus holds an observer while it is installed and lets go of it when it is replaced
    /// or removed, so one that holds the bus back (the invariant checker holds the board)
    /// does not keep both alive for ever.
    @Test func theBusLetsGoOfAnObserverOnceItIsRemoved() throws {
        weak var first: Seen?
        weak var second: Seen?
        do {
            let a = Seen(), b = Seen()
            first = a
            second = b
            bus.observe(with: a)
            bus.observe(with: b)
        }
        #expect(first == nil, "a replaced observer is let go of")
        #expect(second != nil && bus.installedObserver === second, "the installed one is held")
        try bus.privileged.write(.cpuSecure, at: PhysicalAddress(0), bytes: [1])
        #expect(second?.log.withLock { $0.count } == 1)
        bus.observe(with: nil)
        #expect(second == nil && bus.installedObserver == nil, "a removed observer is let go of")
        try bus.privileged.write(.cpuSecure, at: PhysicalAddress(0), bytes: [2])
    }

    @Test func producedWriteLandsAndIsObserved() throws {
        let address = PhysicalAddress(protected.base.rawValue + 3)
        try bus.write(.codec, at: address, count: 10) { buffer in
            #expect(buffer.byteCount == 10)
            for index in buffer.byteOffsets { buffer.storeBytes(of: UInt8(index * 7), toByteOffset: index, as: UInt8.self) }
        }
        let expected = (0..<10).map { UInt8($0 * 7) }
        #expect(try bus.privileged.read(.cpuSecure, PhysicalRange(base: address, size: 10)!) == expected)
        let write = try #require(seen.log.withLock { $0.first })
        #expect(write.kind == "write" && write.master == .codec && write.range == PhysicalRange(base: address, size: 10)! && write.bytes == expected)
    }

    @Test func refusedProducedWriteNeverRunsItsProducer() throws {
        // Starts outside the region the camera may not write and runs in: refused whole.
        let straddling = PhysicalAddress(protected.base.rawValue - 8)
        var ran = false
        #expect(throws: AccessFault.self) {
            try bus.write(.camera, at: straddling, count: 16) { buffer in
                ran = true
                for index in buffer.byteOffsets { buffer.storeBytes(of: 0xFF, toByteOffset: index, as: UInt8.self) }
            }
        }
        #expect(!ran)
        #expect(bus.faults.faults.last?.master == .camera)
        #expect(try bus.privileged.read(.cpuSecure, PhysicalRange(base: straddling, size: 16)!) == [UInt8](repeating: 0, count: 16))
        #expect(seen.log.withLock { $0.allSatisfy { $0.kind != "write" } })
    }

    @Test func viewedReadSeesMemoryAndIsObserved() throws {
        let range = PhysicalRange(base: protected.base, size: 32)!
        try bus.privileged.fill(.cpuSecure, range, with: 0x5A)
        var sum = 0
        try bus.read(.display, at: range.base, count: 32) { bytes in sum = bytes.byteOffsets.reduce(0) { $0 + Int(RawSpanReader.byte(bytes, at: $1)) } }
        #expect(sum == 32 * 0x5A)
        let read = try #require(seen.log.withLock { $0.last })
        #expect(read.kind == "read" && read.master == .display && read.range == range && read.bytes == [UInt8](repeating: 0x5A, count: 32))
    }

    @Test func refusedViewedReadNeverRunsItsConsumer() throws {
        var ran = false
        #expect(throws: AccessFault.self) { try bus.read(.cpuNonSecure, at: protected.base, count: 16) { _ in ran = true } }
        #expect(!ran)
        #expect(bus.faults.faults.last?.master == .cpuNonSecure)
        #expect(seen.log.withLock { $0.isEmpty })
    }
}
