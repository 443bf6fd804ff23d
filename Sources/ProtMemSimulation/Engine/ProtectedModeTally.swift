import ProtMemPanthor
import ProtMemReport
import ProtMemTime
import Synchronization

/// Protected mode as the GPU driver's trace tells it, tallied as the events go by: the
/// periods inside (decimated to a fixed number, see ``DecimatedSeries``), the exact time
/// inside, and the enter latency (request to `PROTM_ACTIVE`). Fed a batch at a time, from the
/// device's streamed trace while the run goes and from what it still holds at the end, it
/// gives the same numbers as one walk over the whole trace, in memory that does not grow
/// with the run.
///
/// Fed from the device's lock (``PanthorDevice/streamTrace(_:)``) and then from the
/// simulation's thread: the tally keeps its own lock rather than rely on the two never
/// overlapping (a batch is 1024 events, so the lock costs nothing that shows).
final class ProtectedModeTally: Sendable {
    private let state: Mutex<Tally>

    init(periods: Int) {
        state = Mutex(Tally(periods: periods))
    }

    /// Takes the events of `trace` in order, reading only their kinds and times in place.
    func consume(_ trace: PanthorTracePrefix) {
        state.withLock { $0.consume(trace) }
    }

    var intervals: DecimatedSeries<RunReport.Interval> { state.withLock { $0.intervals } }
    var timeInside: UInt64 { state.withLock { $0.timeInside } }
    var latencyCount: UInt64 { state.withLock { $0.latencyCount } }
    var latencySum: UInt64 { state.withLock { $0.latencySum } }
    var latencyMax: UInt64 { state.withLock { $0.latencyMax } }
}

/// The tally's numbers, under its lock.
private struct Tally {
    private var requested: VirtualInstant?
    private var entered: VirtualInstant?
    private(set) var latencyCount: UInt64 = 0
    private(set) var latencySum: UInt64 = 0
    private(set) var latencyMax: UInt64 = 0
    /// The periods inside, each standing for those merged into it (start of the first to
    /// end of the last).
    private(set) var intervals: DecimatedSeries<RunReport.Interval>
    /// The time inside, summed over every period (not over the decimated ones).
    private(set) var timeInside: UInt64 = 0

    init(periods: Int) {
        intervals = DecimatedSeries(capacity: periods) { a, b in RunReport.Interval(start: a.start, end: b.end) }
    }

    mutating func consume(_ trace: PanthorTracePrefix) {
        trace.forEachRun { events in
            for index in events.indices {
                switch events[index].kind {
                case .protectedModeEnterRequested: requested = events[index].time
                case .protectedModeEntered:
                    let time = events[index].time
                    entered = time
                    if let requested {
                        let latency = time.rawValue - requested.rawValue
                        latencyCount += 1
                        latencySum += latency
                        latencyMax = max(latencyMax, latency)
                    }
                    requested = nil
                case .protectedModeExited:
                    if let start = entered {
                        let end = events[index].time.rawValue
                        intervals.append(RunReport.Interval(start: start.rawValue, end: end))
                        timeInside += end - start.rawValue
                    }
                    entered = nil
                default: break
                }
            }
        }
    }
}
