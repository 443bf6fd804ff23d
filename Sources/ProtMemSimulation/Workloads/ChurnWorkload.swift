import ProtMemDMABuf
import ProtMemMemory
import ProtMemTime
import ProtMemUserspace
import Synchronization

/// Userspace processes allocating and freeing through `/dev/dma_heap/<heap>` as fast as the
/// clock lets them, now and then passing a buffer to another process; all of them exit at
/// the end, which must give everything back.
final class ChurnWorkload: SimulatedWorkload, Sendable {
    let name = "churn"
    let churn: Workload.Churn

    /// A churning process: its heap's device node open, and the buffers it holds.
    private struct Churner {
        let process: UserProcess
        let heap: FileDescriptor
        var held: [(FileDescriptor, DMABuf)]
    }

    /// The processes and the operations done; a step copies out what it needs and lets the
    /// lock go before it asks a process, the generator or the recorder.
    private struct State {
        var processes: [Churner] = []
        var done: UInt32 = 0
    }
    private let state = Mutex(State())

    init(_ churn: Workload.Churn) { self.churn = churn }

    func start(_ context: SimulationContext) throws(SimulationError) {
        let name = churn.heap ?? context.protectedHeap
        for index in 0..<Int(churn.processes) {
            let process = context.userspace.spawn(name: "churn-\(index)")
            let heap: FileDescriptor
            do {
                heap = try process.open("/dev/dma_heap/\(name)", flags: [.readOnly, .closeOnExec])
            } catch {
                // Not yet among the processes ``finish(_:)`` ends: it exits here, or the
                // board's userspace keeps it (and the board) alive.
                process.exit()
                throw SimulationError("churn: /dev/dma_heap/\(name): \(error)")
            }
            state.withLock { $0.processes.append(Churner(process: process, heap: heap, held: [])) }
        }
        schedule(context)
    }

    /// The closest two operations come: a run of D holds at most D / 1 µs of them.
    static let minimumSpacing: UInt64 = 1_000

    /// Operations are spread evenly over the run's time, the last at its end.
    private func spacing(_ context: SimulationContext) -> VirtualDuration {
        .nanoseconds(max(Self.minimumSpacing, context.end.rawValue / UInt64(max(1, churn.operations))))
    }

    private var done: UInt32 { state.withLock { $0.done } }

    private func schedule(_ context: SimulationContext) {
        let spacing = spacing(context)
        guard done < churn.operations, context.now + spacing <= context.end else { return }
        _ = context.events.schedule(after: spacing, "churn op") { [self] in step(context) }
    }

    private func step(_ context: SimulationContext) {
        let count = state.withLock { state -> Int in
            guard !state.processes.isEmpty else { return 0 }
            state.done += 1
            return state.processes.count
        }
        // Finished (its processes exited) before this step came due: a run whose later
        // workload failed to start drains the queue after the finish.
        guard count > 0 else { return }
        let index = Int(context.nextRandom() % UInt64(count))
        let (process, heap, heldCount) = state.withLock { ($0.processes[index].process, $0.processes[index].heap, $0.processes[index].held.count) }
        let owner = process.name
        context.recorder.didWork(owner)
        let roll = context.nextRandom() % 16
        if heldCount > 0 && roll < 8 {
            let victim = Int(context.nextRandom() % UInt64(heldCount))
            let fd = state.withLock { $0.processes[index].held.remove(at: victim).0 }
            try? process.close(fd)
        } else if heldCount > 0 && roll == 8 && count > 1 {
            // Pass one to a neighbour, as over a socket with SCM_RIGHTS.
            let receiverIndex = (index + 1) % count
            let (fd, buffer, receiver) = state.withLock { state in
                let (fd, buffer) = state.processes[index].held.removeLast()
                return (fd, buffer, state.processes[receiverIndex].process)
            }
            if let received = try? process.send(fd, to: receiver) {
                try? process.close(fd)
                state.withLock { $0.processes[receiverIndex].held.append((received, buffer)) }
                context.recorder.passed(buffer, from: owner, to: receiver.name, at: context.now)
            } else {
                state.withLock { $0.processes[index].held.append((fd, buffer)) }
            }
        } else {
            let pages = 1 + context.nextRandom() % max(1, churn.maximumSize.bytes >> pageShift)
            do {
                let fd = try process.allocate(heap, length: pages << pageShift, fdFlags: [.readWrite, .closeOnExec])
                if case .dmaBuf(let buffer)? = process.file(fd)?.object {
                    state.withLock { $0.processes[index].held.append((fd, buffer)) }
                    context.recorder.bufferAllocated(buffer, owner: owner, name: "churn", at: context.now)
                }
            } catch {
                context.recorder.fault(owner, "DMA_HEAP_IOCTL_ALLOC of \(pages << pageShift) bytes: \(error.name)", at: context.now)
                context.frames?.allocationFailed(at: context.now)
            }
        }
        schedule(context)
    }

    func shortfall(_ context: SimulationContext) -> (asked: UInt64, done: UInt64, reason: String)? {
        let done = done
        guard done < churn.operations else { return nil }
        let duration = ScenarioDuration(nanoseconds: context.end.rawValue)
        return (UInt64(churn.operations), UInt64(done),
                "churn operations are at least 1us apart, so a run of \(duration) holds at most \(context.end.rawValue / Self.minimumSpacing)")
    }

    func finish(_ context: SimulationContext) {
        let processes = state.withLock { state in
            defer { state.processes = [] }
            return state.processes.map(\.process)
        }
        for process in processes { process.exit() }
    }
}
