import ProtMemDMABuf
import ProtMemTime

/// What a run knows of its heaps' occupancy, taken where the allocations are rather than
/// where a workload remembers to say so: the board's dma-buf list tells it of every buffer
/// exported and released, whoever made it (a workload, a userspace process, the GPU driver's
/// firmware sections and suspend buffers), and the run samples it after the boot, after the
/// workloads start and after every event, for what heaps give out that is no dma-buf (the
/// system heap's pages are the page allocator's, which the GPU driver's kernel buffers also
/// come from).
///
/// Each sample goes to the ``Recorder``: a heap counter in the trace, a point of the
/// occupancy plot, the peak. Each exported buffer opens a lifetime in the trace, closed when
/// the buffer is released. Used from the simulation's one thread only; installed for the run
/// and removed at its end (the list holds it, and it holds the list's registry).
final class HeapAccounting: DMABufListObserver, @unchecked Sendable {
    let recorder: Recorder
    private let registry: DMAHeapRegistry
    private let events: EventQueue

    init(registry: DMAHeapRegistry, events: EventQueue, recorder: Recorder) {
        self.registry = registry
        self.events = events
        self.recorder = recorder
    }

    func install() { registry.bufferList.observe(with: self) }
    func uninstall() { registry.bufferList.observe(with: nil) }

    func bufferExported(_ buffer: DMABuf) {
        recorder.bufferExported(buffer, at: events.now)
        sample()
    }

    func bufferReleased(_ buffer: DMABuf) {
        recorder.bufferReleased(buffer, at: events.now)
        sample()
    }

    /// Each heap as last sampled, by its position in the registry, with its occupancy
    /// generation then: the heaps themselves (which keep their ops alive) and, apart, what
    /// the walk reads, with no reference in it to retain.
    @exclusivity(unchecked) private var sampledHeaps: [DMAHeap] = []
    @exclusivity(unchecked) private var sampled: [Sampled] = []
    /// The registry's generation when every heap was last sampled, and how many heaps it
    /// held: while it stands still, `sampled` lists the registry's heaps, in its order.
    @exclusivity(unchecked) private var sampledRegistry: (generation: UInt64, count: Int)?

    private struct Sampled {
        /// The heap's ops, unretained, and their type: the generation is read through the
        /// type, borrowed. Calling through the existential retains the ops every time (and
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
    /// sample of unchanged bytes records nothing. This runs after every event, and a heap's
    /// statistics cost locks and a struct where the generation is one atomic read. While the
    /// registry's own generation stands still its heaps are walked from the list kept here,
    /// in place, rather than copied out of the registry under its lock.
    func sample() {
        let time = events.now
        let generation = registry.generation
        if let last = sampledRegistry, last.generation == generation {
            for index in 0..<last.count {
                let heapGeneration = sampled[index].type.borrowedGeneration(sampled[index].ops)
                if let heapGeneration, sampled[index].generation == heapGeneration { continue }
                sampled[index].generation = heapGeneration
                let heap = sampledHeaps[index]
                let stats = heap.ops.statistics
                recorder.sample(heap: heap.name, index: index, bytes: stats.size - min(stats.size, stats.free), at: time)
            }
            return
        }
        let heaps = registry.heaps
        for (index, heap) in heaps.enumerated() {
            let heapGeneration = heap.ops.occupancyGeneration
            if index < sampled.count {
                if let heapGeneration, sampledHeaps[index] === heap, sampled[index].generation == heapGeneration { continue }
                sampledHeaps[index] = heap
                sampled[index] = Sampled(heap.ops, generation: heapGeneration)
            } else {
                sampledHeaps.append(heap)
                sampled.append(Sampled(heap.ops, generation: heapGeneration))
            }
            let stats = heap.ops.statistics
            recorder.sample(heap: heap.name, index: index, bytes: stats.size - min(stats.size, stats.free), at: time)
        }
        // Read before the heaps: a change since moved the generation past this one.
        sampledRegistry = heaps.count <= sampled.count ? (generation, heaps.count) : nil
    }

    /// After an event (or the boot): samples, and gives each buffer exported since that no
    /// workload claimed its owner, the device it is attached to (the GPU's own buffers).
    func settle() {
        sample()
        recorder.attributeUnclaimedBuffers(at: events.now)
    }
}

extension DMAHeapOps {
    /// The occupancy generation of the ops at `ops`, borrowed (the caller keeps them alive).
    fileprivate static func borrowedGeneration(_ ops: UnsafeRawPointer) -> UInt64? {
        Unmanaged<Self>.fromOpaque(ops)._withUnsafeGuaranteedRef { $0.occupancyGeneration }
    }
}
