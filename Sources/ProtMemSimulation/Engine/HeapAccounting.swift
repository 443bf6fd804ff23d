import ProtMemDMABuf
import ProtMemTime
import Synchronization

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
final class HeapAccounting: DMABufListObserver, Sendable {
    let recorder: Recorder
    /// Each device's use of the protected pools, when the run follows it.
    let deviceUse: DeviceUse?
    private let registry: DMAHeapRegistry
    private let events: EventQueue

    /// Each heap as last sampled, by its position in the registry, with its occupancy
    /// generation then, and the registry's generation when every heap was last sampled: while
    /// that stands still, `heaps` lists the registry's heaps, in its order, and the walk reads
    /// them from here rather than copying them out of the registry under its lock. Behind a
    /// lock although one thread uses it: the list may call from whichever thread releases a
    /// buffer, and an uncontended lock costs less than the heap statistics it saves.
    private struct State {
        var heaps: [DMAHeap] = []
        var generations: [UInt64?] = []
        var registryGeneration: UInt64?
    }
    private let state = Mutex(State())

    init(registry: DMAHeapRegistry, events: EventQueue, recorder: Recorder, deviceUse: DeviceUse? = nil) {
        self.deviceUse = deviceUse
        self.registry = registry
        self.events = events
        self.recorder = recorder
    }

    func install() { registry.bufferList.observe(with: self) }
    func uninstall() { registry.bufferList.observe(with: nil) }

    func bufferExported(_ buffer: DMABuf) {
        recorder.bufferExported(buffer, at: events.now)
        deviceUse?.exported(buffer)
        sample()
    }

    func bufferReleased(_ buffer: DMABuf) {
        recorder.bufferReleased(buffer, at: events.now)
        deviceUse?.released(buffer)
        sample()
    }

    /// Bytes in use of every heap, as counters and plot samples.
    ///
    /// A heap whose occupancy generation has not moved since it was last sampled here, at
    /// the same position, is skipped: its bytes in use are what the recorder last saw, and a
    /// sample of unchanged bytes records nothing. This runs after every event, and a heap's
    /// statistics cost locks and a struct where the generation is one atomic read.
    func sample() {
        let time = events.now
        let generation = registry.generation
        state.withLock { state in
            if state.registryGeneration != generation {
                let heaps = registry.heaps
                if heaps.count != state.heaps.count || zip(heaps, state.heaps).contains(where: { $0 !== $1 }) {
                    state.heaps = heaps
                    state.generations = Array(repeating: nil, count: heaps.count)
                }
                state.registryGeneration = generation
            }
            for index in state.heaps.indices {
                let heap = state.heaps[index]
                let heapGeneration = heap.ops.occupancyGeneration
                if let heapGeneration, state.generations[index] == heapGeneration { continue }
                state.generations[index] = heapGeneration
                let stats = heap.ops.statistics
                recorder.sample(heap: heap.name, index: index, bytes: stats.size - min(stats.size, stats.free), at: time)
            }
        }
    }

    /// After an event (or the boot): samples, and gives each buffer exported since that no
    /// workload claimed its owner, the device it is attached to (the GPU's own buffers).
    func settle() {
        sample()
        recorder.attributeUnclaimedBuffers(at: events.now)
        deviceUse?.attributeUnclaimed()
    }
}
