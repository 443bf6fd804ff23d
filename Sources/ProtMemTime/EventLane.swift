/// A FIFO of keys that arrived in increasing order, beside a heap (``EventTier``): appending
/// and taking the first are O(1), where the heap would sift through its levels.
///
/// Much of a simulation's traffic arrives in order: events due the instant they are scheduled
/// (interrupts, ticks), and timers of one length (every wait's 4 s timeout is later than the
/// one before). Noncopyable over memory it owns, like ``EventHeap``; a ring buffer whose
/// capacity is a power of two.
struct EventLane<Element: Comparable & BitwiseCopyable>: ~Copyable {
    private var elements: UnsafeMutablePointer<Element>
    private var mask: Int
    private var head = 0
    private(set) var count = 0

    init() {
        mask = 15
        elements = .allocate(capacity: mask + 1)
    }

    deinit { elements.deallocate() }

    var isEmpty: Bool { count == 0 }
    @inline(__always) var first: Element? { count > 0 ? elements[head] : nil }
    @inline(__always) var last: Element? { count > 0 ? elements[(head + count - 1) & mask] : nil }

    /// The elements in order (for listing and checks, not on the hot path).
    var ordered: [Element] { (0..<count).map { elements[(head + $0) & mask] } }

    /// Appends `element`, which must not be smaller than ``last``.
    @inline(__always)
    mutating func append(_ element: Element) {
        if count == mask + 1 { grow() }
        elements[(head + count) & mask] = element
        count += 1
    }

    /// Removes the first element; the lane must not be empty.
    @inline(__always)
    mutating func removeFirst() {
        precondition(count > 0, "removeFirst on an empty event lane")
        head = (head + 1) & mask
        count -= 1
    }

    private mutating func grow() {
        let capacity = (mask + 1) * 2
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity)
        for index in 0..<count { (larger + index).initialize(to: elements[(head + index) & mask]) }
        elements.deallocate()
        elements = larger
        mask = capacity - 1
        head = 0
    }

    /// Traps if the lane is out of order.
    func _checkInvariants() {
        let ordered = ordered
        precondition(zip(ordered, ordered.dropFirst()).allSatisfy { !($1 < $0) }, "event lane out of order")
    }
}

/// A heap and a lane (``EventLane``) holding one tier of the queue's keys: a key that is not
/// smaller than the lane's last goes to the lane, any other to the heap, and the tier's next key
/// is the smaller of the two heads. Any split gives the same order; this one keeps keys that
/// arrive in order out of the heap.
struct EventTier<Element: Comparable & BitwiseCopyable>: ~Copyable {
    var heap = EventHeap<Element>()
    var lane = EventLane<Element>()

    var count: Int { heap.count + lane.count }

    @inline(__always)
    mutating func insert(_ element: Element) {
        if let last = lane.last, element < last {
            heap.insert(element)
        } else {
            lane.append(element)
        }
    }

    var unordered: [Element] { heap.unordered + lane.ordered }

    func _checkInvariants() {
        heap._checkInvariants()
        lane._checkInvariants()
    }
}

extension EventTier where Element == ScheduledEventKey {
    /// Drops cancelled keys from the heads of the heap and the lane; returns how many.
    @inline(__always)
    mutating func dropCancelled(_ liveness: EventLiveness) -> Int {
        var dropped = 0
        while let first = lane.first, !liveness.isLive(first) {
            lane.removeFirst()
            dropped += 1
        }
        while let top = heap.min, !liveness.isLive(top) {
            heap.removeMin()
            dropped += 1
        }
        return dropped
    }
}
