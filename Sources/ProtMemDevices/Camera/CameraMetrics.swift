/// The camera's counters, checked by difference.
public struct CameraMetrics: Hashable, Sendable {
    public var framesCaptured = 0
    public var bytesWritten: UInt64 = 0
    public var faults = 0
}
