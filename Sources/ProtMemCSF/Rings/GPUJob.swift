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

/// Where a job stands, reduced to what a poller needs (the driver's `jobProgress`).
public enum JobProgress: Hashable, Sendable, BitwiseCopyable {
    /// Queued, running, or waiting for protected mode.
    case pending
    case completed(at: VirtualInstant)
    /// Failed; the driver's `jobState` says why.
    case failed

    public var isFinished: Bool { self != .pending }
}
