import ProtMemDMABuf
import ProtMemPanthor
@_spi(SecureWorld) import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTime
import Synchronization

/// Injects a scenario's faults (`inject:`) at their times, the same under every design, and
/// opens each one's episode in the ``FrameLedger``.
final class FaultInjector: Sendable {
    let context: SimulationContext
    let faults: [InjectedFault]
    let ledger: FrameLedger
    /// The heap a fault names by default (the design's protected heap).
    let defaultHeap: String
    /// The buffers each heap exhaustion holds, by fault index, until its `for` is over.
    private let held = Mutex<[Int: [DMABuf]]>([:])

    /// A hog takes a heap's memory in pieces, from the heap's size halving down to a page;
    /// this many at most, so a heap as large as RAM cannot make it loop for long.
    static let maximumPieces = 4096

    init(context: SimulationContext, faults: [InjectedFault], ledger: FrameLedger, defaultHeap: String) {
        self.context = context
        self.faults = faults
        self.ledger = ledger
        self.defaultHeap = defaultHeap
    }

    func start() {
        for (index, fault) in faults.enumerated() {
            let at = VirtualInstant(nanoseconds: fault.at.nanoseconds)
            _ = context.events.schedule(at: at, "inject \(fault.kind)") { [self] in inject(index) }
        }
    }

    private func inject(_ index: Int) {
        let fault = faults[index]
        let now = context.now
        let lasting = VirtualDuration(nanoseconds: fault.duration?.nanoseconds ?? 0)
        let episode = ledger.faultInjected(fault.kind, at: now, lasting: lasting)
        context.recorder.instant("inject \(fault.kind)", category: "fault", process: "faults", at: now)
        switch fault.kind {
        case .gpuResetInProtectedMode:
            guard let gpu = context.gpu else { return ledger.note("the board has no GPU") }
            let protected = gpu.gpuStatus.contains(.protectedModeActive)
            gpu.inject(.protectedModeFault)
            ledger.note(protected ? "in protected mode: GPU_IRQ_PROTM_FAULT now" : "not in protected mode: the fault comes at the next entry")
        case .heapExhaustion:
            let name = fault.heap ?? defaultHeap
            let (buffers, bytes) = exhaust(name)
            held.withLock { $0[index] = buffers }
            ledger.note("took \(bytes) bytes of \(name) in \(buffers.count) buffers")
            _ = context.events.schedule(at: now + lasting, "release \(fault.kind)") { [self] in release(index) }
        case .suspendResume:
            guard let gpu = context.gpu else { return ledger.note("the board has no GPU") }
            if !gpu.suspend() { ledger.note("the GPU was not on: nothing suspended") }
            _ = context.events.schedule(at: now + lasting, "resume") { [context] in _ = context.gpu?.resume() }
        case .refusedReclaim:
            guard let os = context.board.secureMonitor.trustedOS, context.board.teeHeaps.contains(where: { $0.pool is TEEDynamicPool }) else {
                return ledger.note("no OP-TEE dynamic pool on this board: nothing to refuse")
            }
            let before = os.refuseReclaims(true)
            _ = context.events.schedule(at: now + lasting, "reclaims allowed again") { [self] in
                let refused = os.refuseReclaims(false) - before
                let lent = os.lentRanges.reduce(0) { $0 + $1.size }
                ledger.note(episode: episode, "\(refused) RECLAIM_PROTMEM refused (TEE_ERROR_BUSY); \(lent) bytes lent when reclaims came back")
            }
        }
    }

    /// Allocates from `heap` until nothing more fits: pieces from the heap's size halving
    /// down to a page. What the heap answers for each is what any other process would see.
    private func exhaust(_ name: String) -> (buffers: [DMABuf], bytes: UInt64) {
        let heaps = context.board.heaps
        guard let heap = heaps.find(name) else {
            context.recorder.fault("faults", "heap-exhaustion: no heap named \(name)", at: context.now)
            return ([], 0)
        }
        defer { heaps.put(heap) }
        var buffers: [DMABuf] = [], bytes: UInt64 = 0
        var size = max(heap.ops.statistics.size & ~4095, 4096)
        while size >= 4096, buffers.count < Self.maximumPieces {
            do {
                let buffer = try heaps.allocate(heap, length: size, fdFlags: [.readWrite, .closeOnExec])
                try? buffer.setName("hog")
                context.recorder.bufferAllocated(buffer, owner: "hog", name: "hog", at: context.now)
                buffers.append(buffer)
                bytes += size
            } catch {
                size /= 2
                size &= ~4095
            }
        }
        return (buffers, bytes)
    }

    private func release(_ index: Int) {
        let buffers = held.withLock { $0.removeValue(forKey: index) } ?? []
        for buffer in buffers { context.free(buffer) }
    }

    /// Gives back what a heap exhaustion still holds when the run's time is up, and lets
    /// OP-TEE reclaim again (a refusal lasting past the end would keep the pool's memory lent
    /// through the wind-down, which the leak check would rightly report).
    func finish() {
        if faults.contains(where: { $0.kind == .refusedReclaim }) { context.board.secureMonitor.trustedOS?.refuseReclaims(false) }
        let all = held.withLock { held in
            defer { held = [:] }
            return held
        }
        for buffers in all.values { for buffer in buffers { context.free(buffer) } }
    }
}
