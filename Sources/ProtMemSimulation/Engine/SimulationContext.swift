import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemReport
import ProtMemTime
import ProtMemUserspace

/// What a workload works with: the board and its devices, the clock, the seeded generator,
/// and the recorder. Used from the simulation's one thread only.
final class SimulationContext: @unchecked Sendable {
    let board: Board
    let events: EventQueue
    let recorder: Recorder
    var random: SplitMix64
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
    /// The secure decode and capture sessions' check of their output.
    private var producer: SecureProducer
    /// Content ids for markers, one per protected frame produced.
    @exclusivity(unchecked) private var nextContent: UInt64 = 1
    /// The board's bus, unretained (the board holds it as long as this context): asked every
    /// frame, where reaching it through the board retains it.
    private let bus: Unmanaged<Bus>

    /// `recorder` is the run's, made before the boot so that it sees the boot's buffers.
    init(board: Board, events: EventQueue, seed: UInt64, gpu: PanthorDevice?, protectedHeap: String, end: VirtualInstant, userspaceDesign: Bool,
         recorder: Recorder = Recorder()) {
        self.board = board
        self.recorder = recorder
        self.events = events
        self.random = SplitMix64(seed: seed)
        self.gpu = gpu
        self.codec = VideoCodec(bus: board.bus)
        self.display = DisplayController(bus: board.bus)
        self.camera = CameraISP(bus: board.bus)
        self.userspace = Userspace(board: board)
        self.producer = SecureProducer(monitor: board.secureMonitor)
        self.protectedHeap = protectedHeap
        self.end = end
        self.userspaceDesign = userspaceDesign
        self.bus = Unmanaged.passUnretained(board.bus)
    }

    var now: VirtualInstant { events.now }

    func nextContentID() -> UInt64 {
        defer { nextContent += 1 }
        return nextContent
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
    func writeMarker(_ master: BusMaster, into range: PhysicalRange) throws(AccessFault) -> UInt64 {
        let id = nextContent
        let refused: AccessFault? = bus._withUnsafeGuaranteedRef { bus in
            do throws(AccessFault) {
                try producer.produce(id, as: master, into: range, on: bus)
                return nil
            } catch {
                return error
            }
        }
        if let refused { throw refused }
        nextContent += 1
        return id
    }
}
