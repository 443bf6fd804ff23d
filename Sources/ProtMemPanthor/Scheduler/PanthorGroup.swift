@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

/// One group as the scheduler keeps it (`struct panthor_group`): its slot when it has one, the
/// queues waiting for protected mode, and the suspend buffers the firmware saves it into. Its
/// queues' rings lie in GPU memory (``GPUHardware/rings``, under ``GroupHandle/ringSet``),
/// where the firmware reads them.
///
/// A plain value, kept in place in the device's group table (``HandleTable``) and changed
/// there: the scheduler names a group by its handle.
struct PanthorGroup {
    let handle: GroupHandle
    let priority: GroupPriority
    let vm: VMHandle
    /// Its queues: as many rings under its ``GroupHandle/ringSet``.
    let queueCount: Int
    var state: GroupState = .created
    /// The CSG slot and its priority while bound.
    var slot: Int?
    var slotPriority: UInt8?
    /// `protm_pending_mask` (the RFC's `protm_queues`): queues that raised `CS_PROTM_PENDING`
    /// and have not been acknowledged yet.
    var protectedPendingMask: UInt32 = 0
    /// Destroyed by userspace; freed once off its slot.
    var destroyed = false
    let suspendBuffer: KernelBuffer
    let suspendBufferVA: GPUVirtualRange
    let protectedSuspendBuffer: ProtectedAllocation?
    let protectedSuspendBufferVA: GPUVirtualRange?

    init(handle: GroupHandle, priority: GroupPriority, vm: VMHandle, queueCount: Int, suspendBuffer: KernelBuffer,
         suspendBufferVA: GPUVirtualRange, protectedSuspendBuffer: ProtectedAllocation?, protectedSuspendBufferVA: GPUVirtualRange?) {
        self.handle = handle
        self.priority = priority
        self.vm = vm
        self.queueCount = queueCount
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

    /// Off its slot after a SUSPEND or TERMINATE: suspended, or terminated when destroyed
    /// (unless failed). Returns whether it was destroyed (and so is to be released).
    mutating func leaveSlot() -> Bool {
        slot = nil
        slotPriority = nil
        if !isFailed { state = destroyed ? .terminated : .suspended }
        return destroyed
    }

    /// Its priority when it can run and has work (its rings hold jobs not finished): what a
    /// tick's first pass picks by.
    func runnablePriority(hasWork: Bool) -> GroupPriority? { canRun && hasWork ? priority : nil }

    /// Its priority and whether it has a slot, when it can run but has no work: what a
    /// tick's second pass (idle groups) picks by.
    func idlePlace(hasWork: Bool) -> (priority: GroupPriority, onSlot: Bool)? { canRun && !hasWork ? (priority, slot != nil) : nil }

    /// The state of a job of this group whose ring shows `status`: a job the ring shows
    /// cancelled failed with the group.
    func jobState(_ status: CommandStreamRing.Status) -> JobState {
        switch status {
        case .queued: .queued
        case .running(let since): .running(since: since)
        case .waitingForProtectedMode: .waitingForProtectedMode
        case .completed(let at, let readBack): .completed(at: at, readBack: readBack)
        case .faulted(let fault): .failed(.fault(fault))
        case .cancelled: .failed(.groupFailed(failure!))
        }
    }
}

extension GroupHandle {
    /// Where the group's rings lie in GPU memory: panthor numbers them as the group.
    @inline(__always)
    var ringSet: RingSetID { RingSetID(rawValue: rawValue) }
}
