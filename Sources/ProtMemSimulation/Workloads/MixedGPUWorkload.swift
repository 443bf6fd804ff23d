import ProtMemPanthor
import ProtMemTime
import Synchronization

/// GPU groups with priorities, protected and normal, each submitting its jobs back to back:
/// who enters protected mode, and how long normal work waits.
final class MixedGPUWorkload: SimulatedWorkload, Sendable {
    let name = "mixed-gpu"
    let groups: [Workload.MixedGPU.Group]
    /// The groups' GPU contexts, made at the start and torn down at the finish.
    private let clients = Mutex<[GPUClient]>([])

    init(_ mixed: Workload.MixedGPU) { groups = mixed.groups }

    /// CSG priorities 0…15 onto the four uAPI priorities.
    static func priority(_ value: UInt8) -> GroupPriority {
        switch value {
        case 0...3: .low
        case 4...7: .medium
        case 8...11: .high
        default: .realtime
        }
    }

    func start(_ context: SimulationContext) throws(SimulationError) {
        for (index, group) in groups.enumerated() {
            let client = try GPUClient(context, priority: Self.priority(group.priority), heap: context.protectedHeap, owner: "gpu group \(index)")
            clients.withLock { $0.append(client) }
            for job in 0..<group.jobs {
                do {
                    _ = try client.gpu.submit(GPUJob("g\(index) j\(job)\(group.protected ? " (protected)" : "")", protected: group.protected,
                                                     duration: .nanoseconds(group.jobDuration.nanoseconds)), to: client.group)
                } catch {
                    context.recorder.fault("gpu", "group \(index) job \(job): \(error)", at: context.now)
                }
            }
        }
    }

    func finish(_ context: SimulationContext) {
        let clients = clients.withLock { clients in
            defer { clients = [] }
            return clients
        }
        for client in clients { client.tearDown(context.events) }
    }
}
