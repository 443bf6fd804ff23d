import ProtMemBoard
@_spi(CSFHost) import ProtMemCSF
import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTestSupport
import ProtMemTime
import Synchronization
import Testing

/// The module's listed storage types, the only places it uses unsafe pointers
/// (``FirmwareSlotArray``, ``PanthorTraceLog`` with its chunks and prefixes, and the GPU's
/// translation cache): each exercised, then checked with its `_checkInvariants()`.
@Suite("Storage invariants")
struct StorageInvariantTests {
    /// Counts its instances alive, to see that a slot array destroys what it holds.
    final class Tracked {
        static let instances = Atomic<Int>(0)
        static var alive: Int { instances.load(ordering: .relaxed) }
        let value: Int
        init(_ value: Int) {
            self.value = value
            Tracked.instances.add(1, ordering: .relaxed)
        }
        deinit { Tracked.instances.subtract(1, ordering: .relaxed) }
    }

    @Test func aSlotArrayIsWrittenInPlaceAndFreesWhatItHolds() {
        let before = Tracked.alive
        do {
            var made = 0
            let array = FirmwareSlotArray<(Int, Tracked)>(count: 5) {
                made += 1
                return (made, Tracked(made))
            }
            #expect(array.count == 5 && made == 5)
            #expect(Tracked.alive == before + 5)
            // Each element made by its own call, in order.
            #expect(array.map(\.0) == [1, 2, 3, 4, 5])
            array[2].0 = 30
            array[4] = (50, Tracked(50))
            #expect(Tracked.alive == before + 5, "the replaced element was destroyed")
            // A copy of the reference sees the writes and keeps the memory alive.
            let alias = array
            #expect(alias[2].0 == 30 && alias[4].1.value == 50)
            array._checkInvariants { $0.0 == $0.1.value || $0.0 == 30 }
            let empty = FirmwareSlotArray<Int>(count: -3) { 0 }
            #expect(empty.isEmpty)
            empty._checkInvariants()
        }
        #expect(Tracked.alive == before, "every element destroyed with the array")
    }

    @Test func aTraceLogKeepsItsChunksInStep() {
        var log = PanthorTraceLog()
        log._checkInvariants()
        for index in 0..<2500 {
            let kind: PanthorTraceEvent.Kind = index % 700 == 3 ? .warning("w\(index)") : .protectedModeEnterRequested
            log.append(PanthorTraceEvent(time: VirtualInstant(rawValue: UInt64(index)), kind: kind))
            if index % 1024 == 0 || index % 1024 == 1023 { log._checkInvariants() }
        }
        log._checkInvariants()
        let events = log.events()
        #expect(events.count == 2500 && log.count == 2500)
        #expect(events[3].kind == .warning("w3"))
        log._checkInvariants()
        // A prefix reads in place, a chunk's worth at a time, through spans.
        let prefix = log.prefix(2000)
        var seen = 0
        prefix.forEachRun { run in
            for index in run.indices { #expect(run[index].time.rawValue == UInt64(seen + index)) }
            seen += run.count
        }
        #expect(seen == 2000 && prefix.count == 2000 && prefix[1999].time.rawValue == 1999)
    }

    @Test func aStreamingTraceLogHandsOnWholeChunks() {
        var log = PanthorTraceLog()
        let handed = Mutex<[Int]>([])
        log.stream { prefix in
            var first = -1
            prefix.forEachRun { run in if first < 0, !run.isEmpty { first = Int(run[0].time.rawValue) } }
            handed.withLock { $0.append(first) }
        }
        for index in 0..<5000 {
            log.append(PanthorTraceEvent(time: VirtualInstant(rawValue: UInt64(index)), kind: .resetCompleted))
            if index % 997 == 0 { log._checkInvariants() }
        }
        log._checkInvariants()
        #expect(handed.withLock { $0 } == [0, 1024, 2048])
        #expect(log.dropped == 3 * 1024 && log.count == 5000)
        #expect(log.events().first?.time.rawValue == 3 * 1024)
        log._checkInvariants()
    }

    /// The device's own storage, exercised by real work: translations reused and refilled
    /// across binds and unbinds, the trace across chunks, the slot arrays through protected
    /// mode and a reset.
    @Test(arguments: [ProtectedMemoryDesign.heapByName, .userspace])
    func aDeviceKeepsItsStorageInvariants(_ design: ProtectedMemoryDesign) throws {
        try withLeakCheckedBoard(PanthorBench.configuration) { board in
            let bench = PanthorBench(board: board)
            let gpu = try bench.probedDevice(design)
            gpu._checkInvariants()
            let (vm, group) = try bench.group(on: gpu, priority: .high)
            let (_, other) = try bench.group(on: gpu, priority: .medium, queues: 2)
            let va = GPUVirtualAddress(0x4_0000_0000)
            for round in 0..<120 {
                let buffer = try bench.allocate(0x2000, from: "system")
                try gpu.bind(buffer, in: vm, at: va)
                try buffer.put()
                try gpu.submit(GPUJob("write", operations: [.write(va, bytes: [UInt8(round), 1, 2, 3]), .read(va, size: 4)]), to: group)
                try gpu.submit(GPUJob("read", operations: [.read(GPUVirtualAddress(va.rawValue + 0x1000), size: 8)]), to: group)
                try gpu.submit(GPUJob("protected", protected: true), to: other, queue: round % 2)
                if round == 100 { gpu.inject(.protectedModeFault) }
                bench.runUntilIdle()
                gpu._checkInvariants()
                try gpu.unbind(in: vm, at: va)
            }
            #expect(gpu.traceCount > 1024, "the trace spans chunks")
            #expect(gpu.metrics.protectedModeEntries > 0)
            gpu._checkInvariants()
            for handle in gpu.liveGroups { try gpu.destroyGroup(handle) }
            bench.runUntilIdle()
            gpu._checkInvariants()
            #expect(gpu.liveGroups.isEmpty)
            gpu.unplug()
            gpu._checkInvariants()
        }
    }
}
