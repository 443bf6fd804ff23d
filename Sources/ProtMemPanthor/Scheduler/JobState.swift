@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

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

extension JobHandle {
    /// Job `index` of the ring `ring`: the group whose handle numbers the ring set.
    init(_ ring: RingReference, _ index: Int) {
        self.init(group: GroupHandle(rawValue: ring.set.rawValue), queue: ring.queue, sequence: UInt64(index))
    }
}
