/// The host's name for one group's rings in GPU memory. Panthor numbers them as it numbers the
/// group (its handle); the firmware sees only the number, through the CS slots' `ringbuf_base`.
@_spi(CSFHost) public struct RingSetID: SequentialHandle, Hashable, Sendable, BitwiseCopyable {
    public let rawValue: UInt32

    @inlinable
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    @inlinable
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// Which queue's ring a CS slot runs: what `ringbuf_base` and friends point the firmware at.
///
/// The queue is kept as 32 bits (a queue is a CS slot index, below 32): the reference sits in
/// every CS slot's input and state, which the firmware walks a CSG at a time, and at 8 bytes
/// rather than 16 more of those slots share a cache line.
package struct RingReference: Hashable, Sendable, BitwiseCopyable {
    package let set: RingSetID
    private let queueIndex: UInt32

    package var queue: Int { Int(queueIndex) }

    package init(set: RingSetID, queue: Int) {
        precondition(queue >= 0 && queue <= Int(UInt32.max), "queue \(queue) is not a CS slot index")
        self.set = set
        self.queueIndex = UInt32(queue)
    }
}
