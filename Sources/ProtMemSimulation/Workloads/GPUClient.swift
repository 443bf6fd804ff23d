import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Synchronization

/// A workload's GPU context: its VM, its group and the buffers it bound, torn down in reverse.
final class GPUClient: Sendable {
    let gpu: PanthorDevice
    let vm: VMHandle
    let group: GroupHandle

    /// The addresses bound and the next free one; the lock is let go before the GPU is asked.
    private struct State {
        var bound: [GPUVirtualAddress] = []
        var nextVA: UInt64 = 0x1_0000_0000
    }
    private let state = Mutex(State())

    /// Under the userspace design the group's protected suspend buffer is allocated from
    /// `heap` and handed in, as `GROUP_CREATE` would take it.
    init(_ context: SimulationContext, priority: GroupPriority, heap: String, owner: String) throws(SimulationError) {
        guard let gpu = context.gpu else { throw SimulationError("the board has no GPU for \(owner)") }
        self.gpu = gpu
        do {
            vm = try gpu.createVM()
            var suspend: DMABuf?
            if context.userspaceDesign {
                suspend = context.allocate(gpu.protectedMemoryRequirements.groupSuspendSize, from: heap, owner: owner, name: "\(owner) protm suspend")
            }
            defer { if let suspend { context.free(suspend) } }
            group = try gpu.createGroup(vm: vm, priority: priority, protectedSuspendBuffer: suspend)
        } catch {
            throw SimulationError("\(owner): cannot create its GPU group: \(error)")
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
