/// The codec's counters, checked by difference.
public struct CodecMetrics: Hashable, Sendable {
    public var framesDecoded = 0
    public var framesEncoded = 0
    public var bytesWritten: UInt64 = 0
    public var faults = 0
}
