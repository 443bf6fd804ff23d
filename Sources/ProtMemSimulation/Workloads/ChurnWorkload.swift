import ProtMemDMABuf
import ProtMemMemory
import ProtMemTime
import ProtMemUserspace

/// Userspace processes allocating and freeing through `/dev/dma_heap/<heap>` as fast as the
/// clock lets them, now and then passing a buffer to another process; all of them exit at
/// the end, which must give everything back.
final class ChurnWorkload: SimulatedWorkload, @unchecked Sendable {
    let name = "churn"
    let churn: Workload.Churn
    private var processes: [(process: UserProcess, heap: FileDescriptor, held: [(FileDescriptor, DMABuf)])] = []
    private var done: UInt32 = 0

    init(_ churn: Workload.Churn) { self.churn = churn }

    func start(_ context: SimulationContext) throws(SimulationError) {
        for index in 0..<Int(churn.processes) {
            let process = context.userspace.spawn(name: "churn-\(index)")
            do {
                processes.append((process, try process.open("/dev/dma_heap/\(churn.heap)", flags: [.readOnly, .closeOnExec]), []))
            } catch {
                throw SimulationError("churn: /dev/dma_heap/\(churn.heap): \(error)")
            }
        }
        schedule(context)
    }

    /// The closest two operations come: a run of D holds at most D / 1 µs of them.
    static let minimumSpacing: UInt64 = 1_000

    /// Operations are spread evenly over the run's time, the last at its end.
    private func spacing(_ context: SimulationContext) -> VirtualDuration {
        .nanoseconds(max(Self.minimumSpacing, context.end.rawValue / UInt64(max(1, churn.operations))))
    }

    private func schedule(_ context: SimulationContext) {
        let spacing = spacing(context)
        guard done < churn.operations, context.now + spacing <= context.end else { return }
        _ = context.events.schedule(after: spacing, "churn op") { [self] in step(context) }
    }

    private func step(_ context: SimulationContext) {
        done += 1
        let index = Int(context.random.next() % UInt64(processes.count))
        let owner = processes[index].process.name
        context.recorder.didWork(owner)
        let roll = context.random.next() % 16
        if !processes[index].held.isEmpty && roll < 8 {
            let victim = Int(context.random.next() % UInt64(processes[index].held.count))
            let (fd, _) = processes[index].held.remove(at: victim)
            try? processes[index].process.close(fd)
        } else if !processes[index].held.isEmpty && roll == 8 && processes.count > 1 {
            // Pass one to a neighbour, as over a socket with SCM_RIGHTS.
            let (fd, buffer) = processes[index].held.removeLast()
            let receiver = (index + 1) % processes.count
            if let received = try? processes[index].process.send(fd, to: processes[receiver].process) {
                try? processes[index].process.close(fd)
                processes[receiver].held.append((received, buffer))
                context.recorder.passed(buffer, from: owner, to: processes[receiver].process.name, at: context.now)
            } else {
                processes[index].held.append((fd, buffer))
            }
        } else {
            let pages = 1 + context.random.next() % max(1, churn.maximumSize.bytes >> pageShift)
            do {
                let fd = try processes[index].process.allocate(processes[index].heap, length: pages << pageShift, fdFlags: [.readWrite, .closeOnExec])
                if case .dmaBuf(let buffer)? = processes[index].process.file(fd)?.object {
                    processes[index].held.append((fd, buffer))
                    context.recorder.bufferAllocated(buffer, owner: owner, name: "churn", at: context.now)
                }
            } catch {
                context.recorder.fault(owner, "DMA_HEAP_IOCTL_ALLOC of \(pages << pageShift) bytes: \(error.name)", at: context.now)
            }
        }
        schedule(context)
    }

    func shortfall(_ context: SimulationContext) -> (asked: UInt64, done: UInt64, reason: String)? {
        guard done < churn.operations else { return nil }
        let duration = ScenarioDuration(nanoseconds: context.end.rawValue)
        return (UInt64(churn.operations), UInt64(done),
                "churn operations are at least 1us apart, so a run of \(duration) holds at most \(context.end.rawValue / Self.minimumSpacing)")
    }

    func finish(_ context: SimulationContext) {
        for entry in processes { entry.process.exit() }
        processes = []
    }
}
