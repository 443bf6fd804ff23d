@testable import ProtMemTime
import Synchronization
import Testing

/// The event queue's storage types, the only code in ProtMemTime allowed unsafe constructs
/// (README, "Unsafe code"), exercised directly with their invariants checked after each step.
struct StorageTypeTests {
    struct Wide: BitwiseCopyable, Equatable {
        var a: UInt64, b: UInt32, c: UInt8, d: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        static func == (x: Self, y: Self) -> Bool {
            x.a == y.a && x.b == y.b && x.c == y.c && x.d.0 == y.d.0 && x.d.5 == y.d.5
        }
    }

    /// A payload gives back exactly the event it was made from, at the largest size that fits.
    @Test func payloadRoundTrips() {
        let event = Wide(a: 0x0102_0304_0506_0708, b: 0xdead_beef, c: 7, d: (1, 2, 3, 4, 5, 0xffff_ffff_ffff_ffff))
        let payload = ScheduledEventPayload(event)
        payload._checkInvariants()
        #expect(payload.load(as: Wide.self) == event)
        #expect(ScheduledEventPayload.fits(Wide.self))
        #expect(!ScheduledEventPayload.fits((Wide, UInt64).self))
    }

    /// The slab hands out, reuses and frees slots with its free list and counts in step, and
    /// keeps each value event's bytes until it is taken.
    @Test func slotsReuseAndKeepPayloads() {
        var slots = EventSlots()
        var live: [(slot: UInt32, sequence: UInt64)] = []
        for sequence in UInt64(1)...100 {
            let slot = slots.add(sequence: sequence, handler: 3, ScheduledEventPayload(sequence &* 0x9e37_79b9))
            live.append((slot, sequence))
            if sequence % 3 == 0 {
                let (taken, _) = live.removeFirst()
                guard case .value(let handler, let payload) = slots.take(Int(taken)) else { Issue.record("not a value event"); return }
                #expect(handler == 3)
                #expect(payload.load(as: UInt64.self) % 0x9e37_79b9 == 0)
            }
            slots._checkInvariants()
        }
        #expect(slots.liveCount == live.count)
        #expect(slots.used < 100, "freed slots are reused")
        for (slot, sequence) in live {
            #expect(slots.sequence(at: slot) == sequence)
            _ = slots.remove(Int(slot))
        }
        slots._checkInvariants()
        #expect(slots.liveCount == 0)
    }

    /// The lock is free outside its sections, after many of them from several threads.
    @Test func spinLockIsFreeBetweenSections() async {
        let counter = SpinLocked(0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { for _ in 0..<10_000 { counter.withLock { $0 += 1 } } } }
        }
        counter._checkInvariants()
        #expect(counter.withLock { $0 } == 40_000)
    }
}

extension StorageTypeTests {
    /// The heap gives its elements back smallest first through growth, invariants checked on
    /// the way.
    @Test func heapOrdersThroughGrowth() {
        var heap = EventHeap<UInt64>()
        var random = UInt64(0x1234_5678)
        var inserted: [UInt64] = []
        for _ in 0..<500 {
            random = random &* 6364136223846793005 &+ 1442695040888963407
            heap.insert(random >> 40)
            inserted.append(random >> 40)
            heap._checkInvariants()
        }
        var out: [UInt64] = []
        while let min = heap.min {
            out.append(min)
            heap.removeMin()
            if out.count % 50 == 0 { heap._checkInvariants() }
        }
        #expect(out == inserted.sorted())
    }

    /// The lane is a ring that keeps order across wrap-around and growth.
    @Test func laneKeepsOrderAcrossWrapAndGrowth() {
        var lane = EventLane<Int>()
        var expected: [Int] = []
        for index in 0..<300 {
            lane.append(index)
            expected.append(index)
            if index % 4 == 3 { lane.removeFirst(); expected.removeFirst() }
            lane._checkInvariants()
        }
        #expect(lane.ordered == expected)
        #expect(lane.first == expected.first && lane.last == expected.last)
    }
}

extension StorageTypeTests {
    final class Counter: ScheduledEventHandler {
        let runs = Mutex(0)
        func run(_ event: UInt64) { runs.withLock { $0 += Int(event) } }
        func label(of event: UInt64) -> String { "add \(event)" }
    }

    /// The handler table numbers its handlers in order, lends each for a run without holding
    /// it, and hands it back by number for labels.
    @Test func handlerTableLendsWhatItKeeps() {
        var table = EventHandlerTable()
        let counters = (0..<5).map { _ in Counter() }
        for (index, counter) in counters.enumerated() {
            #expect(table.append(counter) == UInt32(index))
            table._checkInvariants()
        }
        for (index, counter) in counters.enumerated() {
            table.lend(UInt32(index)).run(ScheduledEventPayload(UInt64(index + 1)))
            #expect(counter.runs.withLock { $0 } == index + 1)
            #expect(table[UInt32(index)]._label(of: ScheduledEventPayload(UInt64(7))) == "add 7")
        }
        #expect(table.count == 5)
        table._checkInvariants()
    }
}
