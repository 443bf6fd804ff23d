/// Why the GPU left protected mode.
public enum ProtectedModeExitReason: Hashable, Sendable, BitwiseCopyable, CustomStringConvertible {
    /// The protected streams finished their protected regions.
    case workDone
    /// The scheduler suspended or terminated the protected group (rotation, or the group was
    /// destroyed), which forces the firmware out.
    case forcedBySlotChange
    /// A GPU reset took the GPU out.
    case reset

    public var description: String {
        switch self {
        case .workDone: "protected work done"
        case .forcedBySlotChange: "forced out by a CSG slot change"
        case .reset: "GPU reset"
        }
    }
}
