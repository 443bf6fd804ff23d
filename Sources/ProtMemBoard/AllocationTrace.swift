import ProtMemDMABuf
import ProtMemMemory

/// A reproducible storm of allocations and frees against one heap: the benchmark's trace and
/// the churn a test can replay.
///
/// The trace is a seed, not a list: at each step a slot is drawn; an empty slot gets a new
/// buffer of a random page count, a full one is freed. One seed and one heap state always give
/// the same sequence, and memory for the trace itself stays O(slots).
public struct AllocationTrace: Sendable, Hashable {
    public let seed: UInt64
    public let operations: Int
    public let slots: Int
    public let maximumPages: UInt64

    public init(seed: UInt64, operations: Int, slots: Int = 256, maximumPages: UInt64 = 64) {
        precondition(operations >= 0 && slots > 0 && maximumPages > 0)
        self.seed = seed
        self.operations = operations
        self.slots = slots
        self.maximumPages = maximumPages
    }

    /// What a replay did.
    public struct Outcome: Hashable, Sendable {
        public var allocations = 0
        public var failures = 0
        public var frees = 0
        public var peakBytes: UInt64 = 0
    }

    /// Runs the trace on `heap`, then frees whatever is still held. Errors other than
    /// `ENOMEM` stop the replay and are thrown.
    public func replay(on registry: DMAHeapRegistry, heap: DMAHeap) throws(Errno) -> Outcome {
        var random = SplitMix64(seed: seed)
        var held = [DMABuf?](repeating: nil, count: slots)
        var outcome = Outcome()
        var liveBytes: UInt64 = 0
        defer {
            for case let buffer? in held { try? buffer.put() }
        }
        for _ in 0..<operations {
            let slot = Int(random.next() % UInt64(slots))
            if let buffer = held[slot] {
                liveBytes -= buffer.size
                try buffer.put()
                held[slot] = nil
                outcome.frees += 1
            } else {
                let length = (1 + random.next() % maximumPages) << pageShift
                do {
                    let buffer = try registry.allocate(heap, length: length, fdFlags: [.readWrite, .closeOnExec])
                    held[slot] = buffer
                    liveBytes += length
                    outcome.allocations += 1
                    outcome.peakBytes = max(outcome.peakBytes, liveBytes)
                } catch .noMemory {
                    outcome.failures += 1
                }
            }
        }
        return outcome
    }
}

/// SplitMix64: a small, fast, seedable generator. The model's only source of randomness, so
/// one seed always gives one run.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
