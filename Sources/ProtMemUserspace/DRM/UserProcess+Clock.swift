import ProtMemPanthor

extension UserProcess {
    /// `clock_gettime(CLOCK_MONOTONIC)` in nanoseconds: the virtual clock of the GPU's event
    /// queue (0 on a userspace with no GPU), what syncobj deadlines are measured against.
    public var monotonicNanoseconds: UInt64 { kernel.gpu?.events.now.rawValue ?? 0 }
}
