/// The display's counters, checked by difference.
public struct DisplayMetrics: Hashable, Sendable {
    public var framesScannedOut = 0
    public var bytesRead: UInt64 = 0
    public var faults = 0
}
