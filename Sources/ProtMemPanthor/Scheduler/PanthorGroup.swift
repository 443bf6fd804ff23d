import ProtMemTime

/// One group as the scheduler keeps it (`struct panthor_group`): its queues, its slot when it
/// has one, the queues waiting for protected mode, and the suspend buffers the firmware saves
/// it into.
///
/// A plain value, kept in place in the device's group table (``HandleTable``) and changed
/// there: the scheduler and the firmware model name a group by its handle.
struct PanthorGroup {
    let handle: GroupHandle
    let priority: GroupPriority
    let vm: VMHandle
    var queues: [PanthorQueue]
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

    /// Whether the next job of `queue` lies in a protected region; `nil` when there is no such
    /// queue or its ring is empty.
    func nextIsProtected(queue: Int) -> Bool? {
        queue < queues.count ? queues[queue].nextIsProtected : nil
    }

    /// `read` of the ring entry `sequence` of `queue`, when the queue holds one.
    @inline(__always)
    func readEntry<R>(queue: Int, sequence: UInt64, _ read: (borrowing PanthorQueue.Entry) -> R) -> R? {
        guard queue >= 0, queue < queues.count, sequence < UInt64(queues[queue].ring.count),
              sequence >= UInt64(queues[queue].ring.startIndex) else { return nil }
        return read(queues[queue].ring[Int(sequence)])
    }

    /// The fault of the last job of `queue` that failed with one, among those finished.
    func lastFault(queue: Int) -> GPUFault? {
        queues[queue].ring[..<queues[queue].extract].reversed().lazy.compactMap { entry -> GPUFault? in
            if case .failed(.fault(let fault)) = entry.state { fault } else { nil }
        }.first
    }

    /// Fails every job of `queue` not finished yet, with the group's `failure`; returns the
    /// range of their indices.
    mutating func failJobs(queue: Int, _ failure: GroupFailure) -> (Int, Int) {
        let first = queues[queue].extract
        let end = queues[queue].ring.count
        for index in first..<end { queues[queue].ring[index].fail(.groupFailed(failure)) }
        queues[queue].extract = end
        return (first, end)
    }

    /// Off its slot for a reset it survives: suspended, each queue's running or waiting job
    /// back at the ring's head.
    mutating func suspendForReset() {
        state = .suspended
        for queue in queues.indices where !queues[queue].isEmpty {
            queues[queue].ring[queues[queue].extract].setQueued()
        }
    }

    /// Off its slot after a SUSPEND or TERMINATE: suspended, or terminated when destroyed
    /// (unless failed). Returns whether it was destroyed (and so is to be released).
    mutating func leaveSlot() -> Bool {
        slot = nil
        slotPriority = nil
        if !isFailed { state = destroyed ? .terminated : .suspended }
        return destroyed
    }

    /// Its priority when it can run and has work: what a tick's first pass picks by.
    var runnablePriority: GroupPriority? { canRun && hasWork ? priority : nil }

    /// Its priority and whether it has a slot, when it can run but has no work: what a
    /// tick's second pass (idle groups) picks by.
    var idlePlace: (priority: GroupPriority, onSlot: Bool)? { canRun && !hasWork ? (priority, slot != nil) : nil }
}
