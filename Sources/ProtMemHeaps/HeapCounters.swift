import Synchronization

/// Counters every model heap keeps: plain named numbers that tests check by difference.
struct HeapCounters: Sendable {
    var allocations: UInt64 = 0
    var failures: UInt64 = 0
    var liveBuffers: Int = 0
    var liveBytes: UInt64 = 0
    var peakBytes: UInt64 = 0

    mutating func allocated(_ bytes: UInt64) {
        allocations += 1
        liveBuffers += 1
        liveBytes += bytes
        peakBytes = max(peakBytes, liveBytes)
    }

    mutating func released(_ bytes: UInt64) {
        liveBuffers -= 1
        liveBytes -= bytes
    }
}
