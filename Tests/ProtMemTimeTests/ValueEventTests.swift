import ProtMemTime
import Synchronization
import Testing

/// A value event with fields of several sizes, to check the queue hands back exactly what it
/// was given.
struct Probe: BitwiseCopyable, Sendable, Equatable {
    var index: Int
    var tag: UInt8
    var stamp: UInt64
    var wide: (UInt64, UInt32, Int16)

    init(_ index: Int, stamp: UInt64 = 0) {
        self.index = index
        self.tag = UInt8(truncatingIfNeeded: index &* 37)
        self.stamp = stamp
        self.wide = (UInt64(index) << 32 | 0xABCD, UInt32(truncatingIfNeeded: index &* 7), Int16(truncatingIfNeeded: -index))
    }

    static func == (a: Self, b: Self) -> Bool {
        a.index == b.index && a.tag == b.tag && a.stamp == b.stamp
            && a.wide.0 == b.wide.0 && a.wide.1 == b.wide.1 && a.wide.2 == b.wide.2
    }
}

/// Records the value events it is sent (and the clock when each ran), and how often it was
/// asked for a label; `onRun` lets a test act from inside an event.
final class ProbeHandler: ScheduledEventHandler {
    /// Unowned: the queue keeps its handlers, so a handler holding its queue would keep both.
    unowned let queue: EventQueue
    let received = Mutex<[(Probe, UInt64)]>([])
    let labelsAsked = Atomic<Int>(0)
    let onRun: @Sendable (ProbeHandler, Probe) -> Void

    init(_ queue: EventQueue, onRun: @escaping @Sendable (ProbeHandler, Probe) -> Void = { _, _ in }) {
        self.queue = queue
        self.onRun = onRun
    }

    func run(_ event: Probe) {
        received.withLock { $0.append((event, queue.now.rawValue)) }
        onRun(self, event)
    }

    func label(of event: Probe) -> String {
        labelsAsked.add(1, ordering: .relaxed)
        return "probe \(event.index)"
    }

    var indices: [Int] { received.withLock { $0.map(\.0.index) } }
    var times: [UInt64] { received.withLock { $0.map(\.1) } }
    var probes: [Probe] { received.withLock { $0.map(\.0) } }
}

@Suite("Value events (registered handlers)")
struct ValueEventTests {
    /// Value events, closures and objects share one order: deadline, then insertion; each runs
    /// with the clock at its deadline and gets back exactly the value it was scheduled with.
    @Test func valueEventsRunInLineWithClosuresByDeadlineThenInsertion() {
        let queue = EventQueue(), recorder = Recorder()
        let handler = ProbeHandler(queue) { handler, probe in recorder.note("v\(probe.index)", handler.queue.now) }
        let channel = queue.register(handler)
        queue.schedule(after: .microseconds(2), on: channel, Probe(1, stamp: 11))
        queue.schedule(after: .microseconds(1), "c0") { recorder.note("c0", queue.now) }
        queue.schedule(after: .microseconds(2), "c1") { recorder.note("c1", queue.now) }
        queue.schedule(after: .microseconds(2), on: channel, Probe(2, stamp: 22))
        queue.schedule(at: VirtualInstant(nanoseconds: 500), on: channel, Probe(3, stamp: 33))
        #expect(queue.pendingCount == 5)
        #expect(queue.runUntilEmpty() == 5)
        #expect(recorder.labels == ["v3", "c0", "v1", "c1", "v2"])
        #expect(recorder.times == [500, 1_000, 2_000, 2_000, 2_000])
        #expect(handler.probes == [Probe(3, stamp: 33), Probe(1, stamp: 11), Probe(2, stamp: 22)])
        #expect(queue.executedCount == 5)
    }

    /// Ties among value events alone run in the order they were scheduled.
    @Test func tiesRunInInsertionOrder() {
        let queue = EventQueue(), handler = ProbeHandler(queue)
        let channel = queue.register(handler)
        for index in 0..<100 { queue.schedule(after: .nanoseconds(7), on: channel, Probe(index)) }
        queue.runUntilEmpty()
        #expect(handler.indices == Array(0..<100))
        #expect(handler.probes == (0..<100).map { Probe($0) })
        #expect(Set(handler.times) == [7])
    }

    /// A cancelled value event never runs, a second cancel finds nothing, and the freed slot
    /// taken by a later event does not make the old identifier cancel the new event.
    @Test func cancelAndSlotReuse() {
        let queue = EventQueue(), handler = ProbeHandler(queue)
        let channel = queue.register(handler)
        let first = queue.schedule(after: .nanoseconds(1), on: channel, Probe(1))
        let second = queue.schedule(after: .nanoseconds(2), on: channel, Probe(2))
        #expect(queue.cancel(second))
        #expect(!queue.cancel(second), "a second cancel finds nothing")
        let third = queue.schedule(after: .nanoseconds(2), on: channel, Probe(3))
        #expect(!queue.cancel(second), "the old identifier does not name the event in its reused slot")
        #expect(queue.pendingCount == 2)
        queue._checkInvariants()
        queue.runUntilEmpty()
        #expect(handler.indices == [1, 3])
        #expect(!queue.cancel(first) && !queue.cancel(third), "events that ran cannot be cancelled")
        queue._checkInvariants()
    }

    /// An event may schedule and cancel from inside its handler; what it schedules for a time
    /// the run has not passed runs in the same run, and the slot it ran from is reused without
    /// disturbing the event being run.
    @Test func handlersMayScheduleAndCancel() {
        let queue = EventQueue()
        let victim = Mutex<ScheduledEventID?>(nil)
        let registered = Mutex<ScheduledEventChannel<ProbeHandler>?>(nil)
        let handler = ProbeHandler(queue) { handler, probe in
            guard probe.index < 20, let channel = registered.withLock({ $0 }) else { return }
            handler.queue.schedule(after: .nanoseconds(10), on: channel, Probe(probe.index + 1, stamp: probe.stamp + 1))
            if probe.index == 5, let id = victim.withLock({ $0 }) { #expect(handler.queue.cancel(id)) }
        }
        let channel = queue.register(handler)
        registered.withLock { $0 = channel }
        queue.schedule(after: .nanoseconds(10), on: channel, Probe(0))
        victim.withLock { $0 = queue.schedule(after: .microseconds(1), on: channel, Probe(99)) }
        #expect(queue.run(until: VirtualInstant(nanoseconds: 10_000)) == 21)
        #expect(handler.indices == Array(0...20))
        #expect(handler.probes.map(\.stamp) == (0...20).map { UInt64($0) })
        #expect(handler.times == (1...21).map { UInt64($0 * 10) })
        #expect(queue.now.rawValue == 10_000)
    }

    /// Labels of value events are built by the handler only when listed, in run order with the
    /// other kinds of event.
    @Test func labelsAreBuiltOnlyWhenListed() {
        let queue = EventQueue(), handler = ProbeHandler(queue)
        let channel = queue.register(handler)
        queue.schedule(after: .microseconds(3), on: channel, Probe(3))
        queue.schedule(after: .microseconds(1), "closure") {}
        queue.schedule(after: .microseconds(2), on: channel, Probe(2))
        #expect(handler.labelsAsked.load(ordering: .relaxed) == 0)
        #expect(queue.pendingLabels == ["closure", "probe 2", "probe 3"])
        #expect(handler.labelsAsked.load(ordering: .relaxed) == 2)
    }

    /// The queue keeps a registered handler for as long as it lives, so an event never finds
    /// its handler gone; the handler goes with the queue, pending events and all.
    @Test func theQueueKeepsItsHandlers() {
        weak var weakHandler: ProbeHandler?
        weak var weakQueue: EventQueue?
        do {
            let queue = EventQueue()
            weakQueue = queue
            let channel: ScheduledEventChannel<ProbeHandler>
            do {
                let handler = ProbeHandler(queue)
                weakHandler = handler
                channel = queue.register(handler)
            }
            queue.schedule(after: .nanoseconds(5), on: channel, Probe(1))
            #expect(weakHandler != nil, "the queue holds the handler")
            queue.runUntilEmpty()
            #expect(weakHandler?.indices == [1])
            queue.schedule(after: .nanoseconds(5), on: channel, Probe(2))
        }
        #expect(weakQueue == nil)
        #expect(weakHandler == nil)
    }

    /// A channel names a handler of the queue that made it: sending an event through it on
    /// another queue, whose handler of that number may take another type, stops the process
    /// rather than hand the event to the wrong handler.
    @Test func aChannelWorksOnlyOnItsQueue() async {
        await #expect(processExitsWith: .failure) {
            let first = EventQueue(), second = EventQueue()
            let channel = first.register(ProbeHandler(first))
            second.schedule(after: .zero, on: channel, Probe(1))
        }
    }

    /// A seeded mix of value events, closures and cancellations gives the same trace twice,
    /// ordered by (deadline, insertion), with the queue's invariants holding throughout.
    @Test func mixedRunsAreDeterministic() {
        func trace(seed: UInt64) -> [String] {
            var random = SplitMix(seed: seed)
            let queue = EventQueue(), recorder = Recorder()
            let handler = ProbeHandler(queue) { handler, probe in recorder.note("\(probe.index)@\(probe.stamp)", handler.queue.now) }
            let channel = queue.register(handler)
            var ids: [ScheduledEventID] = []
            for index in 0..<2_000 {
                let deadline = random.next() % 64
                if random.next() % 2 == 0 {
                    ids.append(queue.schedule(at: VirtualInstant(nanoseconds: deadline), on: channel, Probe(index, stamp: deadline)))
                } else {
                    ids.append(queue.schedule(at: VirtualInstant(nanoseconds: deadline)) { recorder.note("\(index)@\(deadline)", queue.now) })
                }
                if random.next() % 4 == 0 { queue.cancel(ids[Int(random.next() % UInt64(ids.count))]) }
                if index % 97 == 0 { queue._checkInvariants() }
            }
            queue.runUntilEmpty()
            queue._checkInvariants()
            return recorder.labels
        }
        let a = trace(seed: 5), b = trace(seed: 5), c = trace(seed: 6)
        #expect(a == b)
        #expect(a != c)
        #expect(a.count > 1_000)
        let keys = a.map { label -> (UInt64, Int) in
            let parts = label.split(separator: "@")
            return (UInt64(parts[1])!, Int(parts[0])!)
        }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// Many threads schedule, cancel and run on one queue at once (the queue may be called from
    /// any thread): every event that was not cancelled runs exactly once, and the queue's
    /// invariants hold after.
    @Test func concurrentCallersLoseNothing() async {
        let queue = EventQueue()
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let ran = Count()
        let handler = ProbeHandler(queue) { _, _ in ran.value.add(1, ordering: .relaxed) }
        let channel = queue.register(handler)
        let perTask = 3_000
        let (scheduled, cancelled) = await withTaskGroup(of: (Int, Int).self) { group in
            for task in 0..<4 {
                group.addTask {
                    var random = SplitMix(seed: UInt64(task + 1))
                    var cancelled = 0
                    var ids: [ScheduledEventID] = []
                    for index in 0..<perTask {
                        let delay = VirtualDuration.nanoseconds(random.next() % 1_000)
                        if index % 3 == 0 {
                            ids.append(queue.schedule(after: delay) { ran.value.add(1, ordering: .relaxed) })
                        } else {
                            ids.append(queue.schedule(after: delay, on: channel, Probe(index)))
                        }
                        if random.next() % 5 == 0, queue.cancel(ids[Int(random.next() % UInt64(ids.count))]) { cancelled += 1 }
                        if index % 4 == 0 { queue.runNext(notAfter: queue.now + .nanoseconds(500)) }
                    }
                    return (perTask, cancelled)
                }
            }
            return await group.reduce((0, 0)) { ($0.0 + $1.0, $0.1 + $1.1) }
        }
        queue.runUntilEmpty()
        queue._checkInvariants()
        #expect(ran.value.load(ordering: .relaxed) == scheduled - cancelled)
        #expect(queue.executedCount == UInt64(scheduled - cancelled))
        #expect(queue.pendingCount == 0)
    }

    /// Events larger than a payload are refused when their handler registers.
    @Test func theLargestEventFits() {
        #expect(ScheduledEventPayload.capacity == 64)
        #expect(MemoryLayout<Probe>.size <= ScheduledEventPayload.capacity)
    }
}
