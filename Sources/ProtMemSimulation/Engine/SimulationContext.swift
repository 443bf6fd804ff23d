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
    /// The board's heap registry and bus, unretained (the board holds both as long as this
    /// context): asked every frame, where reaching each through the board retains it.
    private let heapRegistry: Unmanaged<DMAHeapRegistry>
    private let bus: Unmanaged<Bus>

    init(board: Board, events: EventQueue, seed: UInt64, gpu: PanthorDevice?, protectedHeap: String, end: VirtualInstant, userspaceDesign: Bool,
         recordsTrace: Bool = true, limits: RunLimits = RunLimits()) {
        self.board = board
        self.recorder = Recorder(recordsTrace: recordsTrace, limits: limits)
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
        self.heapRegistry = Unmanaged.passUnretained(board.heaps)
        self.bus = Unmanaged.passUnretained(board.bus)
    }

    var now: VirtualInstant { events.now }

    func nextContentID() -> UInt64 {
        defer { nextContent += 1 }
        return nextContent
    }

    /// Allocates from `heap`, recording the buffer's life; a failure is recorded and `nil`.
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
            sampleHeaps()
            return buffer
        } catch {
            recorder.fault(owner, "allocating \(size) bytes from \(heapName): \(error)", at: now)
            return nil
        }
    }

    func free(_ buffer: DMABuf) {
        recorder.bufferFreed(buffer, at: now)
        try? buffer.put()
        sampleHeaps()
    }

    /// Each heap as last sampled, by its position in the registry, with its occupancy
    /// generation then: the heaps themselves (which keep their ops alive) and, apart, what
    /// the frame's walk reads, with no reference in it to retain.
    @exclusivity(unchecked) private var sampledHeaps: [DMAHeap] = []
    @exclusivity(unchecked) private var sampled: [Sampled] = []
    /// The registry's generation when every heap was last sampled, and how many heaps it
    /// held: while it stands still, `sampled` lists the registry's heaps, in its order.
    @exclusivity(unchecked) private var sampledRegistry: (generation: UInt64, count: Int)?

    private struct Sampled {
        /// The heap's ops, unretained, and their type: the generation is read through the
        /// type, borrowed. Calling through the existential retains the ops every frame (and
        /// a TEE heap, weakly referenced, takes the runtime's slow path for each retain).
        let ops: UnsafeRawPointer
        let type: any DMAHeapOps.Type
        var generation: UInt64?

        init(_ ops: some DMAHeapOps, generation: UInt64?) {
            self.ops = UnsafeRawPointer(Unmanaged.passUnretained(ops).toOpaque())
            self.type = Swift.type(of: ops)
            self.generation = generation
        }
    }

    /// Bytes in use of every heap, as counters and plot samples.
    ///
    /// A heap whose occupancy generation has not moved since it was last sampled here, at
    /// the same position, is skipped: its bytes in use are what the recorder last saw, and a
    /// sample of unchanged bytes records nothing. This runs every frame, and a heap's
    /// statistics cost locks and a struct where the generation is one atomic read. While the
    /// registry's own generation stands still its heaps are walked from the list kept here,
    /// in place, rather than copied out of the registry under its lock.
    func sampleHeaps() {
        let time = now
        let registry = heapRegistry._withUnsafeGuaranteedRef { $0.generation }
        if let last = sampledRegistry, last.generation == registry {
            for index in 0..<last.count {
                let generation = sampled[index].type.borrowedGeneration(sampled[index].ops)
                if let generation, sampled[index].generation == generation { continue }
                sampled[index].generation = generation
                let heap = sampledHeaps[index]
                let stats = heap.ops.statistics
                recorder.sample(heap: heap.name, index: index, bytes: stats.size - min(stats.size, stats.free), at: time)
            }
            return
        }
        let heaps = board.heaps.heaps
        for (index, heap) in heaps.enumerated() {
            let generation = heap.ops.occupancyGeneration
            if index < sampled.count {
                if let generation, sampledHeaps[index] === heap, sampled[index].generation == generation { continue }
                sampledHeaps[index] = heap
                sampled[index] = Sampled(heap.ops, generation: generation)
            } else {
                sampledHeaps.append(heap)
                sampled.append(Sampled(heap.ops, generation: generation))
            }
            let stats = heap.ops.statistics
            recorder.sample(heap: heap.name, index: index, bytes: stats.size - min(stats.size, stats.free), at: time)
        }
        // Read before the heaps: a change since moved the generation past this one.
        sampledRegistry = heaps.count <= sampled.count ? (registry, heaps.count) : nil
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

extension DMAHeapOps {
    /// The occupancy generation of the ops at `ops`, borrowed (the caller keeps them alive).
    fileprivate static func borrowedGeneration(_ ops: UnsafeRawPointer) -> UInt64? {
        Unmanaged<Self>.fromOpaque(ops)._withUnsafeGuaranteedRef { $0.occupancyGeneration }
    }
}
