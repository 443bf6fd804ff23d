import ProtMemReport
import Synchronization

/// What a run produced: the report (summary, JSON, HTML) and the trace.
///
/// The trace is built the first time it is asked for, from what the run recorded: a run whose
/// trace nobody writes (the text or JSON report alone) never pays for sorting and copying
/// every event. Built or not, it is the same trace, byte for byte.
public struct SimulationResult: Sendable {
    public var report: RunReport
    /// How many events the clock ran.
    public let eventsRun: UInt64
    /// debugfs `dma_buf/bufinfo` at each of ``Simulation/bufinfoTimes``, in time order.
    public var bufinfo: [BufinfoSnapshot] = []
    /// Virtual nanoseconds from power-on until the GPU was bound and its firmware booted.
    public var gpuReadyNanoseconds: UInt64 = 0
    /// Probe attempts the boot made or held for the GPU, the one that bound included.
    public var probeAttempts = 0
    /// Every protected pool of the board as the run set it aside, with its peak use.
    public var pools: [PoolUse] = []
    /// What the run held when its time was up (empty for a result made from parts).
    package let footprint: RunFootprint
    private let traceSource: TraceSource

    public var trace: [TraceEvent] { traceSource.events }

    public init(report: RunReport, trace: [TraceEvent], eventsRun: UInt64) {
        self.report = report
        self.eventsRun = eventsRun
        self.footprint = RunFootprint()
        self.traceSource = TraceSource(.built(trace))
    }

    /// A result whose trace `build` makes when first asked for (once, whoever asks).
    init(report: RunReport, footprint: RunFootprint, eventsRun: UInt64, trace build: @escaping @Sendable () -> [TraceEvent]) {
        self.report = report
        self.footprint = footprint
        self.eventsRun = eventsRun
        self.traceSource = TraceSource(.pending(build))
    }
}

/// debugfs `dma_buf/bufinfo` as the board's kernel would print it at one virtual time.
public struct BufinfoSnapshot: Hashable, Sendable {
    /// Virtual nanoseconds since the boot.
    public let time: UInt64
    /// `dma_buf_debug_show`'s text, byte for byte.
    public let text: String

    public init(time: UInt64, text: String) {
        self.time = time
        self.text = text
    }
}

/// A trace, or how to build it; shared by copies of a result so it is built once.
private final class TraceSource: Sendable {
    enum State {
        case pending(@Sendable () -> [TraceEvent])
        case built([TraceEvent])
    }

    private let state: Mutex<State>

    init(_ state: State) { self.state = Mutex(state) }

    var events: [TraceEvent] {
        state.withLock { state in
            switch state {
            case .built(let events):
                return events
            case .pending(let build):
                let events = build()
                state = .built(events)
                return events
            }
        }
    }
}
