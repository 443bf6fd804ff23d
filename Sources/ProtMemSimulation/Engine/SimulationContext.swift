import ProtMemBoard
import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemReport
import ProtMemTime
import ProtMemUserspace
import Synchronization

/// What a workload works with: the board and its devices, the clock, the seeded generator,
/// and the recorder. Used from the simulation's one thread; what changes as the run goes (the
/// generator, the content ids, the producer's last answer) is behind one lock.
final class SimulationContext: Sendable {
    let board: Board
    let events: EventQueue
    let recorder: Recorder
    let gpu: PanthorDevice?
    let codec: VideoCodec
    let display: DisplayController
    let camera: CameraISP
    let userspace: Userspace
    /// The protected heap workloads allocate from unless they name one.
    let protectedHeap: String
    let end: VirtualInstant
    /// Set when the run's GPU runs in the userspace design: buffers are handed in.
    let userspaceDesign: Bool
    /// Frames finished and lost after each injected fault; `nil` when the scenario injects
    /// none (the workloads then count nothing more than their work).
    let frames: FrameLedger?
    /// The board's bus, which the producer writes its markers through.
    private let bus: Bus

    private struct State {
        /// The seeded generator.
        var random: SplitMix64
        /// The secure decode and capture sessions' check of their output.
        var producer: SecureProducer
        /// Content ids for markers, one per protected frame produced.
        var nextContent: UInt64 = 1
    }
    private let state: Mutex<State>

    /// `recorder` is the run's, made before the boot so that it sees the boot's buffers.
    init(board: Board, events: EventQueue, seed: UInt64, gpu: PanthorDevice?, protectedHeap: String, end: VirtualInstant, userspaceDesign: Bool,
         recorder: Recorder = Recorder(), frames: FrameLedger? = nil) {
        self.frames = frames
        self.board = board
        self.recorder = recorder
        self.events = events
        self.gpu = gpu
        self.codec = VideoCodec(bus: board.bus)
        self.display = DisplayController(bus: board.bus)
        self.camera = CameraISP(bus: board.bus)
        self.userspace = Userspace(board: board, gpu: gpu)
        self.state = Mutex(State(random: SplitMix64(seed: seed), producer: SecureProducer(monitor: board.secureMonitor)))
        self.protectedHeap = protectedHeap
        self.end = end
        self.userspaceDesign = userspaceDesign
        self.bus = board.bus
    }

    var now: VirtualInstant { events.now }

    /// The seeded generator's next number.
    func nextRandom() -> UInt64 {
        state.withLock { $0.random.next() }
    }

    func nextContentID() -> UInt64 {
        state.withLock { state in
            defer { state.nextContent += 1 }
            return state.nextContent
        }
    }

    /// Allocates from `heap`, naming the buffer and its owner for the trace (the run's
    /// ``HeapAccounting`` sees the allocation itself); a failure is recorded and `nil`.
    func allocate(_ size: UInt64, from heapName: String, owner: String, name: String) -> DMABuf? {
        guard let heap = board.heaps.find(heapName) else {
            recorder.fault(owner, "no heap named \(heapName)", at: now)
            return nil
        }
        defer { board.heaps.put(heap) }
        do {
            let buffer = try board.heaps.allocate(heap, length: size, fdFlags: [.readWrite, .closeOnExec])
            try? buffer.setName(String(name.prefix(31)))
            recorder.bufferAllocated(buffer, owner: owner, name: name, at: now)
            return buffer
        } catch {
            recorder.fault(owner, "allocating \(size) bytes from \(heapName): \(error)", at: now)
            frames?.allocationFailed(at: now)
            return nil
        }
    }

    /// Drops the allocation's reference: the buffer is released once its importers let go.
    func free(_ buffer: DMABuf) {
        try? buffer.put()
    }

    /// A marker of fresh protected content, written by `master` at the start of `range` through
    /// the ``SecureProducer``, which refuses output the normal world could read (the id is
    /// taken only once it is written).
    ///
    /// The lock is held while the producer writes: the producer and its last answer are this
    /// context's state, and the bus it writes through (its filters, the invariant checker
    /// watching it) never calls into a workload's context; were it to, the lock would trap
    /// (locking it again is a fatal error) rather than let two writers share the producer.
    func writeMarker(_ master: BusMaster, into range: PhysicalRange) throws(AccessFault) -> UInt64 {
        try state.withLock { state throws(AccessFault) in
            let id = state.nextContent
            try state.producer.produce(id, as: master, into: range, on: bus)
            state.nextContent += 1
            return id
        }
    }
}
