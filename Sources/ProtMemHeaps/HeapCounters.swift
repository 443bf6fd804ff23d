/// Counters every model heap keeps: plain named numbers that tests check by difference.
struct HeapCounters: Sendable {
    var allocations: UInt64 = 0
    var failures: UInt64 = 0
    /// Bytes held by live buffers (the carve-out's invariant checks it against its pool).
    var liveBytes: UInt64 = 0

    mutating func allocated(_ bytes: UInt64) {
        allocations += 1
        liveBytes += bytes
    }

    mutating func released(_ bytes: UInt64) {
        liveBytes -= bytes
    }
}
