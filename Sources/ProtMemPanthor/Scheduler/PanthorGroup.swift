import ProtMemTime

/// One group as the scheduler keeps it (`struct panthor_group`): its queues, its slot when it
/// has one, the queues waiting for protected mode, and the suspend buffers the firmware saves
/// it into.
final class PanthorGroup {
    let handle: GroupHandle
    let priority: GroupPriority
    let vm: VMHandle
    @exclusivity(unchecked) var queues: [PanthorQueue]
    @exclusivity(unchecked) var state: GroupState = .created
    /// The CSG slot and its priority while bound.
    @exclusivity(unchecked) var slot: Int?
    @exclusivity(unchecked) var slotPriority: UInt8?
    /// `protm_pending_mask` (the RFC's `protm_queues`): queues that raised `CS_PROTM_PENDING`
    /// and have not been acknowledged yet.
    @exclusivity(unchecked) var protectedPendingMask: UInt32 = 0
    /// Destroyed by userspace; freed once off its slot.
    @exclusivity(unchecked) var destroyed = false
    let suspendBuffer: KernelBuffer
    let suspendBufferVA: GPUVirtualRange
    let protectedSuspendBuffer: ProtectedAllocation?
    let protectedSuspendBufferVA: GPUVirtualRange?

    init(handle: GroupHandle, priority: GroupPriority, vm: VMHandle, queueCount: Int, suspendBuffer: KernelBuffer,
         suspendBufferVA: GPUVirtualRange, protectedSuspendBuffer: ProtectedAllocation?, protectedSuspendBufferVA: GPUVirtualRange?) {
        self.handle = handle
        self.priority = priority
        self.vm = vm
        self.queues = Array(repeating: PanthorQueue(), count: queueCount)
        self.suspendBuffer = suspendBuffer
        self.suspendBufferVA = suspendBufferVA
        self.protectedSuspendBuffer = protectedSuspendBuffer
        self.protectedSuspendBufferVA = protectedSuspendBufferVA
    }

    var failure: GroupFailure? {
        if case .failed(let reason) = state { reason } else { nil }
    }

    /// Whether it has failed: asked on every tick and slot change, so without copying the
    /// failure out (``failure`` does) or comparing it with `nil` through `Equatable`.
    var isFailed: Bool {
        if case .failed = state { true } else { false }
    }

    /// `group_can_run`: not failed, not destroyed.
    var canRun: Bool { !isFailed && !destroyed }

    /// Has work that has not finished: jobs queued, running or waiting for protected mode.
    /// Asked of every group on every tick; by index, so no copy of the queues is retained.
    var hasWork: Bool {
        var queue = 0
        while queue < queues.count {
            if !queues[queue].isEmpty { return true }
            queue += 1
        }
        return false
    }
}
