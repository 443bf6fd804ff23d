import ProtMemTime
import Synchronization
import Testing

/// Records what ran, in order, from `@Sendable` actions.
final class Recorder: Sendable {
    private let entries = Mutex<[(String, VirtualInstant)]>([])
    func note(_ label: String, _ at: VirtualInstant) { entries.withLock { $0.append((label, at)) } }
    var labels: [String] { entries.withLock { $0.map(\.0) } }
    var times: [UInt64] { entries.withLock { $0.map(\.1.rawValue) } }
}

@Suite("Virtual clock and event queue")
struct EventQueueTests {
    @Test func clockStartsAtZeroAndOnlyMovesWhenRun() {
        let queue = EventQueue()
        #expect(queue.now == .zero)
        queue.schedule(after: .milliseconds(5)) {}
        #expect(queue.now == .zero, "scheduling does not move time")
        queue.advance(by: .milliseconds(2))
        #expect(queue.now.rawValue == 2_000_000)
        #expect(queue.pendingCount == 1)
        queue.advance(by: .milliseconds(3))
        #expect(queue.now.rawValue == 5_000_000 && queue.pendingCount == 0)
    }

    @Test func eventsRunInDeadlineOrderWithTheClockAtTheirDeadline() {
        let queue = EventQueue(), recorder = Recorder()
        for (label, ms) in [("c", 30), ("a", 10), ("d", 40), ("b", 20)] as [(String, UInt64)] {
            queue.schedule(after: .milliseconds(ms), label) { recorder.note(label, queue.now) }
        }
        #expect(queue.pendingLabels == ["a", "b", "c", "d"])
        #expect(queue.run(until: VirtualInstant(nanoseconds: 25_000_000)) == 2)
        #expect(recorder.labels == ["a", "b"])
        #expect(recorder.times == [10_000_000, 20_000_000])
        #expect(queue.now.rawValue == 25_000_000, "run(until:) leaves the clock at the target")
        #expect(queue.runUntilEmpty() == 2)
        #expect(recorder.labels == ["a", "b", "c", "d"])
        #expect(queue.now.rawValue == 40_000_000, "runUntilEmpty stops at the last deadline")
    }

    @Test func tiesRunInInsertionOrder() {
        let queue = EventQueue(), recorder = Recorder()
        let names = (0..<50).map { "e\($0)" }
        for name in names { queue.schedule(after: .microseconds(7)) { recorder.note(name, queue.now) } }
        queue.runUntilEmpty()
        #expect(recorder.labels == names)
        #expect(Set(recorder.times) == [7_000])
    }

    @Test func cancelledEventsNeverRun() {
        let queue = EventQueue(), recorder = Recorder()
        let first = queue.schedule(after: .nanoseconds(1)) { recorder.note("first", queue.now) }
        let second = queue.schedule(after: .nanoseconds(2)) { recorder.note("second", queue.now) }
        queue.schedule(after: .nanoseconds(3)) { recorder.note("third", queue.now) }
        #expect(queue.cancel(second))
        #expect(!queue.cancel(second), "a second cancel finds nothing")
        #expect(queue.pendingCount == 2)
        queue.runUntilEmpty()
        #expect(recorder.labels == ["first", "third"])
        #expect(!queue.cancel(first), "an event that ran cannot be cancelled")
        #expect(!queue.cancel(ScheduledEventID(rawValue: 999)))
    }

    /// Cancelled keys that are not at a head when cancelled stay in their tier until they are
    /// the smallest (the queue checks only the next key's liveness): they must still never
    /// run, never hold the clock, and never show in counts or labels, in every tier and lane.
    @Test func cancelledKeysBehindTheHeadsAreSkipped() {
        let queue = EventQueue(), recorder = Recorder()
        var ids: [String: ScheduledEventID] = [:]
        // Near lane (in order), near heap (out of order), far lane, far heap; ties too.
        for (label, ns) in [("n1", 10), ("n2", 20), ("n3", 30), ("h1", 15), ("h2", 25), ("t1", 20),
                            ("f1", 100_000_000), ("f2", 200_000_000), ("f3", 300_000_000),
                            ("g1", 150_000_000), ("g2", 250_000_000)] as [(String, UInt64)] {
            ids[label] = queue.schedule(after: .nanoseconds(ns), label) { recorder.note(label, queue.now) }
        }
        for label in ["n2", "h2", "f2", "g1", "t1"] { #expect(queue.cancel(ids[label]!)) }
        #expect(!queue.cancel(ids["n2"]!), "a second cancel finds nothing")
        queue._checkInvariants()
        #expect(queue.pendingCount == 6)
        #expect(queue.pendingLabels == ["n1", "h1", "n3", "f1", "g2", "f3"])
        // The last of the far lane, cancelled: the run ends at the one before it.
        #expect(queue.cancel(ids["f3"]!))
        #expect(queue.runUntilEmpty() == 5)
        queue._checkInvariants()
        #expect(recorder.labels == ["n1", "h1", "n3", "f1", "g2"])
        #expect(recorder.times == [10, 15, 30, 100_000_000, 250_000_000])
        #expect(queue.now.rawValue == 250_000_000 && queue.pendingCount == 0 && queue.nextDeadline == nil)
        // Slots of cancelled events are reused, and their stale keys do not run the new events.
        queue.schedule(after: .nanoseconds(5), "again") { recorder.note("again", queue.now) }
        #expect(queue.runUntilEmpty() == 1 && recorder.labels.last == "again")
        queue._checkInvariants()
    }

    @Test func actionsMayScheduleAndCancel() {
        let queue = EventQueue(), recorder = Recorder()
        let victim = Mutex<ScheduledEventID?>(nil)
        queue.schedule(after: .milliseconds(1)) {
            recorder.note("parent", queue.now)
            queue.schedule(after: .milliseconds(1)) { recorder.note("child", queue.now) }
            if let id = victim.withLock({ $0 }) { queue.cancel(id) }
        }
        victim.withLock { $0 = queue.schedule(after: .milliseconds(5)) { recorder.note("victim", queue.now) } }
        queue.advance(by: .milliseconds(10))
        #expect(recorder.labels == ["parent", "child"])
        #expect(recorder.times == [1_000_000, 2_000_000])
    }

    @Test func aPastDeadlineRunsNowNotEarlier() {
        let queue = EventQueue(), recorder = Recorder()
        queue.advance(by: .seconds(1))
        queue.schedule(at: VirtualInstant(nanoseconds: 5)) { recorder.note("late", queue.now) }
        queue.runUntilEmpty()
        #expect(recorder.times == [1_000_000_000])
    }

    @Test func theClockNeverRunsBackwards() {
        let queue = EventQueue()
        queue.advance(by: .milliseconds(3))
        queue.run(until: VirtualInstant(nanoseconds: 1))
        #expect(queue.now.rawValue == 3_000_000)
    }

    @Test func runUntilEmptyHonoursItsLimit() {
        let queue = EventQueue()
        let stop = Atomic(false)
        @Sendable func again() {
            if !stop.load(ordering: .relaxed) { queue.schedule(after: .microseconds(1), "again", again) }
        }
        again()
        #expect(queue.runUntilEmpty(limit: 100) == 100)
        #expect(queue.pendingCount == 1)
        // The pending event holds the queue (its closure captures it): let it run out, or the
        // queue and the event keep each other alive (LeakSanitizer reports the cycle).
        stop.store(true, ordering: .relaxed)
        #expect(queue.runUntilEmpty() == 1)
    }

    /// The same seeded workload, with random deadlines, ties and cancellations, gives the same
    /// trace twice, and that trace is ordered by (deadline, insertion).
    @Test func runsAreDeterministic() {
        func trace(seed: UInt64) -> [String] {
            var random = SplitMix(seed: seed)
            let queue = EventQueue(), recorder = Recorder()
            var ids: [ScheduledEventID] = []
            for index in 0..<2_000 {
                let deadline = random.next() % 64
                ids.append(queue.schedule(at: VirtualInstant(nanoseconds: deadline)) { recorder.note("\(index)@\(deadline)", queue.now) })
                if random.next() % 4 == 0 { queue.cancel(ids[Int(random.next() % UInt64(ids.count))]) }
                if index % 97 == 0 { queue._checkInvariants() }
            }
            queue.runUntilEmpty()
            return recorder.labels
        }
        let a = trace(seed: 42), b = trace(seed: 42), c = trace(seed: 7)
        #expect(a == b)
        #expect(a != c)
        let keys = a.map { label -> (UInt64, Int) in
            let parts = label.split(separator: "@")
            return (UInt64(parts[1])!, Int(parts[0])!)
        }
        #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 < $1 })
    }

    /// An object scheduled as its own event runs in line with closures, by (deadline,
    /// insertion), and is asked for its label only when the labels are listed.
    @Test func objectEventsRunInLineWithClosures() {
        let queue = EventQueue(), recorder = Recorder(), asked = Recorder()
        final class Tick: ScheduledAction {
            let name: String, queue: EventQueue, recorder: Recorder, asked: Recorder
            init(_ name: String, _ queue: EventQueue, _ recorder: Recorder, _ asked: Recorder) {
                (self.name, self.queue, self.recorder, self.asked) = (name, queue, recorder, asked)
            }
            func run() { recorder.note(name, queue.now) }
            var scheduledLabel: String { asked.note(name, queue.now); return "object \(name)" }
        }
        queue.schedule(after: .microseconds(2), Tick("b", queue, recorder, asked))
        queue.schedule(after: .microseconds(1), "a") { recorder.note("a", queue.now) }
        queue.schedule(after: .microseconds(2), "c") { recorder.note("c", queue.now) }
        queue.schedule(at: VirtualInstant(nanoseconds: 500), Tick("first", queue, recorder, asked))
        #expect(asked.labels.isEmpty, "no label is built until asked")
        #expect(queue.pendingLabels == ["object first", "a", "object b", "c"])
        #expect(asked.labels.sorted() == ["b", "first"])
        #expect(queue.runUntilEmpty() == 4)
        #expect(recorder.labels == ["first", "a", "b", "c"])
        #expect(recorder.times == [500, 1_000, 2_000, 2_000])
    }

    /// Near-term events and long timers are kept apart (``EventQueueState``); the run order is
    /// still (deadline, insertion) across both, with events scheduled from inside events (so
    /// from later "now"s), ties, and cancellations.
    @Test func nearEventsAndLongTimersRunInOneOrder() {
        final class Script: Sendable {
            let queue = EventQueue(), recorder = Recorder()
            let state = Mutex((random: SplitMix(seed: 99), scheduled: 0, ids: [ScheduledEventID]()))
            /// Schedules one event from now: a tie, a near one or a long timer.
            func scheduleOne() {
                let now = queue.now.rawValue
                let (index, delay) = state.withLock { state -> (Int, UInt64) in
                    state.scheduled += 1
                    let r = state.random.next()
                    let delay: UInt64 = switch r % 4 {
                    case 0: 0
                    case 1: r % 5_000
                    case 2: 8_000_000 + r % 1_000_000
                    default: r % 200_000_000
                    }
                    return (state.scheduled, delay)
                }
                let deadline = now + delay
                let id = queue.schedule(at: VirtualInstant(nanoseconds: deadline)) { [self] in
                    recorder.note("\(index)@\(deadline)", queue.now)
                    if index % 10 == 0 { queue._checkInvariants() }
                    let more = state.withLock { state in state.scheduled < 3_000 ? 1 + Int(state.random.next() % 2) : 0 }
                    for _ in 0..<more { scheduleOne() }
                    state.withLock { state in
                        if state.random.next() % 5 == 0, !state.ids.isEmpty {
                            _ = queue.cancel(state.ids[Int(state.random.next() % UInt64(state.ids.count))])
                        }
                    }
                }
                state.withLock { $0.ids.append(id) }
            }
        }
        let script = Script()
        for _ in 0..<20 { script.scheduleOne() }
        script.queue._checkInvariants()
        script.queue.runUntilEmpty()
        script.queue._checkInvariants()
        let runs = script.recorder.labels.map { label -> (deadline: UInt64, index: Int) in
            let parts = label.split(separator: "@")
            return (UInt64(parts[1])!, Int(parts[0])!)
        }
        #expect(runs.count > 1_000)
        #expect(script.recorder.times == runs.map(\.deadline), "each event runs at its deadline")
        // Every event was due no earlier than the clock when scheduled, so the whole run is one
        // (deadline, insertion) order; the index counts insertions.
        #expect(zip(runs, runs.dropFirst()).allSatisfy { ($0.deadline, $0.index) < ($1.deadline, $1.index) })
        #expect(script.queue.pendingCount == 0)
    }

    /// The queue owns each action from schedule until the event runs, is cancelled, or the
    /// queue goes away, and lets go of it then (its slab and heaps manage their own memory).
    @Test func actionsAreReleasedOnceDone() {
        final class Probe: ScheduledAction {
            func run() {}
            var scheduledLabel: String { "probe" }
        }
        final class Watch: @unchecked Sendable { weak var probe: Probe? }
        func watched(_ schedule: (Probe) -> ScheduledEventID) -> (Watch, ScheduledEventID) {
            let probe = Probe(), watch = Watch()
            watch.probe = probe
            return (watch, schedule(probe))
        }
        var queue: EventQueue? = EventQueue()
        // Enough events that the slab and heaps grow with live and free slots interleaved.
        var watches: [(Watch, ScheduledEventID)] = []
        for index in 0..<200 {
            watches.append(watched { queue!.schedule(after: .microseconds(UInt64(index % 7) * 3_000), $0) })
        }
        for (index, entry) in watches.enumerated() where index % 3 == 0 { queue!.cancel(entry.1) }
        #expect(watches.enumerated().allSatisfy { ($0.offset % 3 == 0) == ($0.element.0.probe == nil) }, "cancelling lets go")
        queue!._checkInvariants()
        queue!.run(until: VirtualInstant(nanoseconds: 9_000_000))
        queue!._checkInvariants()
        #expect(queue!.pendingCount > 0)
        for _ in 0..<50 { watches.append(watched { queue!.schedule(after: .seconds(1), $0) }) }
        queue = nil
        #expect(watches.allSatisfy { $0.0.probe == nil }, "a queue that goes away lets go of what is pending")
    }

    @Test func durationsSaturateAndPrint() {
        #expect(VirtualDuration.milliseconds(4000).description == "4 s")
        #expect(VirtualDuration.milliseconds(4001).description == "4001 ms")
        #expect(VirtualDuration.nanoseconds(7).description == "7 ns")
        #expect(VirtualDuration.seconds(.max).nanoseconds == .max)
        #expect((VirtualInstant.distantFuture + .seconds(1)) == .distantFuture)
        #expect(VirtualInstant(nanoseconds: 5).duration(since: VirtualInstant(nanoseconds: 9)) == .zero)
    }
}

/// A tiny seeded generator so the determinism test needs no other module.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
