import ProtMemTime

/// What a job does to memory when it runs, through its group's GPU address space.
public enum GPUJobOperation: Hashable, Sendable {
    /// Reads `size` bytes; the job's result keeps what the last read saw.
    case read(GPUVirtualAddress, size: UInt64)
    case write(GPUVirtualAddress, bytes: [UInt8])
    case fill(GPUVirtualAddress, size: UInt64, byte: UInt8)
    /// A DMA copy by the GPU (a blit, or a composition pass reduced to its memory traffic).
    case copy(from: GPUVirtualAddress, to: GPUVirtualAddress, size: UInt64)
}

/// One job on a queue: a run of command-stream instructions, reduced to how long it runs, what
/// it touches, and whether it lies inside a `PROT_REGION` (Mesa marks protected commands with
/// that CS instruction, so the firmware reaches it and raises `CS_PROTM_PENDING`).
public struct GPUJob: Hashable, Sendable {
    public var label: String
    public var isProtected: Bool
    public var duration: VirtualDuration
    public var operations: [GPUJobOperation]

    public init(_ label: String, protected: Bool = false, duration: VirtualDuration = .microseconds(100), operations: [GPUJobOperation] = []) {
        self.label = label
        self.isProtected = protected
        self.duration = duration
        self.operations = operations
    }
}

/// Names one submitted job.
public struct JobHandle: Hashable, Sendable, CustomStringConvertible {
    public let group: GroupHandle
    public let queue: Int
    /// The job's position in its queue's ring (`insert` when it was submitted).
    public let sequence: UInt64
    /// `job G.Q.S`. The trace names every job it draws: the pieces are small strings, and so
    /// is the whole up to 15 bytes (stored inline: nothing allocated per job).
    public var description: String {
        var text = "job "
        text += String(group.rawValue)
        text += "."
        text += String(queue)
        text += "."
        text += String(sequence)
        return text
    }
}

/// Where a job stands.
public enum JobState: Hashable, Sendable {
    case queued
    case running(since: VirtualInstant)
    /// Blocked at its `PROT_REGION` until the GPU enters protected mode for its group.
    case waitingForProtectedMode
    /// Done; `readBack` holds what its last `read` saw.
    case completed(at: VirtualInstant, readBack: [UInt8]?)
    case failed(JobFailure)

    public var isFinished: Bool {
        switch self {
        case .completed, .failed: true
        default: false
        }
    }

    public var completionTime: VirtualInstant? {
        if case .completed(let at, _) = self { at } else { nil }
    }
}

/// Where a job stands, reduced to what a poller needs (``PanthorDevice/jobProgress(_:)``).
public enum JobProgress: Hashable, Sendable, BitwiseCopyable {
    /// Queued, running, or waiting for protected mode.
    case pending
    case completed(at: VirtualInstant)
    /// Failed; ``PanthorDevice/jobState(_:)`` says why.
    case failed

    public var isFinished: Bool { self != .pending }
}

/// Why a job did not complete.
public enum JobFailure: Hashable, Sendable, CustomStringConvertible {
    /// One of its own accesses faulted.
    case fault(GPUFault)
    /// Its group failed (another job's fault, a reset, a protected-mode fault) before it ran.
    case groupFailed(GroupFailure)

    public var description: String {
        switch self {
        case .fault(let fault): fault.description
        case .groupFailed(let reason): "group failed: \(reason)"
        }
    }
}
