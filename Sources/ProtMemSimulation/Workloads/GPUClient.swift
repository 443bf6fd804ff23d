import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Synchronization

/// A workload's GPU context: its VM, its group and the buffers it bound, torn down in reverse.
final class GPUClient: Sendable {
    let gpu: PanthorDevice
    let vm: VMHandle
    let priority: GroupPriority
    let heap: String
    let owner: String

    /// The group, the addresses bound and the next free one; the lock is let go before the
    /// GPU is asked.
    private struct State {
        var group: GroupHandle
        var bound: [GPUVirtualAddress] = []
        var nextVA: UInt64 = 0x1_0000_0000
        /// Groups made to replace failed ones.
        var replacements = 0
    }
    private let state: Mutex<State>

    /// The group the client submits to now (a new one after ``replaceFailedGroup(_:)``).
    var group: GroupHandle { state.withLock { $0.group } }

    /// Under the userspace design the group's protected suspend buffer is allocated from
    /// `heap` and handed in, as `GROUP_CREATE` would take it.
    init(_ context: SimulationContext, priority: GroupPriority, heap: String, owner: String) throws(SimulationError) {
        guard let gpu = context.gpu else { throw SimulationError("the board has no GPU for \(owner)") }
        self.gpu = gpu
        self.priority = priority
        self.heap = heap
        self.owner = owner
        do {
            vm = try gpu.createVM()
            state = Mutex(State(group: try Self.createGroup(context, gpu: gpu, vm: vm, priority: priority, heap: heap, owner: owner)))
        } catch {
            throw SimulationError("\(owner): cannot create its GPU group: \(error)")
        }
    }

    private static func createGroup(_ context: SimulationContext, gpu: PanthorDevice, vm: VMHandle, priority: GroupPriority, heap: String,
                                    owner: String) throws(Errno) -> GroupHandle {
        var suspend: DMABuf?
        if context.userspaceDesign {
            suspend = context.allocate(gpu.protectedMemoryRequirements.groupSuspendSize, from: heap, owner: owner, name: "\(owner) protm suspend")
        }
        defer { if let suspend { context.free(suspend) } }
        return try gpu.createGroup(vm: vm, priority: priority, protectedSuspendBuffer: suspend)
    }

    /// What a Mesa context does once `GROUP_GET_STATE` says its group is dead (a reset blamed
    /// it, or it faulted): destroy it and create a new one on the same VM, at the same
    /// priority. Returns whether the group had failed and a new one now stands in for it (a
    /// new group can fail to come, e.g. when the userspace-import design finds no protected
    /// memory for its suspend buffer; the failure is recorded and the next frame tries again).
    func replaceFailedGroup(_ context: SimulationContext) -> Bool {
        let current = group
        guard case .failed = gpu.groupState(current) else { return false }
        try? gpu.destroyGroup(current)
        do {
            let fresh = try Self.createGroup(context, gpu: gpu, vm: vm, priority: priority, heap: heap, owner: owner)
            state.withLock { state in
                state.group = fresh
                state.replacements += 1
            }
            context.recorder.instant("\(owner): new GPU group after \(current) failed", category: "gpu", process: "gpu", at: context.now)
            return true
        } catch {
            context.recorder.fault(owner, "creating a GPU group to replace \(current): \(error)", at: context.now)
            return false
        }
    }

    /// Binds `buffer` at the next free VA (64 MiB apart) and returns it.
    func bind(_ buffer: DMABuf, protected: Bool, readOnly: Bool = false) throws(Errno) -> GPUVirtualAddress {
        let va = state.withLock { state in
            defer { state.nextVA += 0x400_0000 }
            return GPUVirtualAddress(state.nextVA)
        }
        var attributes: GPUMappingAttributes = [.noExecute]
        if protected { attributes.insert(.protected) }
        if readOnly { attributes.insert(.readOnly) }
        try gpu.bind(buffer, in: vm, at: va, attributes: attributes)
        state.withLock { $0.bound.append(va) }
        return va
    }

    func tearDown(_ events: EventQueue) {
        try? gpu.destroyGroup(group)
        _ = events.runUntilEmpty(limit: 100_000)
        let bound = state.withLock { $0.bound }
        for va in bound.reversed() { try? gpu.unbind(in: vm, at: va) }
        try? gpu.destroyVM(vm)
    }
}
