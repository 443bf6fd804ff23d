/// A binary min-heap of plain values: the smallest element at index 0, each parent no larger
/// than its children.
///
/// Noncopyable, over memory it owns, because it lives behind the queue's lock and is touched
/// twice per event: an `Array` there would check its buffer's uniqueness on every mutation,
/// for a copy that can never happen. `BitwiseCopyable` elements need no reference counting and
/// no deinitialisation when moved or dropped.
///
/// - Complexity: `insert` and `removeMin` are O(log n); `min` is O(1).
struct EventHeap<Element: Comparable & BitwiseCopyable>: ~Copyable {
    private var elements: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0

    init() {
        capacity = 16
        elements = .allocate(capacity: capacity)
    }

    deinit { elements.deallocate() }

    var isEmpty: Bool { count == 0 }

    @inline(__always) var min: Element? { count > 0 ? elements[0] : nil }

    /// The elements in heap order (for listing and checks, not on the hot path).
    var unordered: [Element] { Array(UnsafeBufferPointer(start: elements, count: count)) }

    mutating func insert(_ element: Element) {
        if count == capacity { grow() }
        count += 1
        siftUp(element, from: count - 1)
    }

    /// Places `element` at `hole` or above it: parents larger than it move down into the hole
    /// rather than being swapped.
    @inline(__always)
    private mutating func siftUp(_ element: Element, from start: Int) {
        var hole = start
        while hole > 0 {
            let parent = (hole - 1) / 2
            guard element < elements[parent] else { break }
            elements[hole] = elements[parent]
            hole = parent
        }
        elements[hole] = element
    }

    /// Removes the smallest element; the heap must not be empty.
    mutating func removeMin() {
        precondition(count > 0, "removeMin on an empty event heap")
        count -= 1
        guard count > 0 else { return }
        let last = elements[count]
        // Floyd's pop: walk the hole at the root down to a leaf along the smaller children (one
        // comparison per level), then let the former last element rise from there; it came from
        // the bottom, so it rarely rises far.
        var hole = 0
        while true {
            let left = 2 * hole + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && elements[right] < elements[left] ? right : left
            elements[hole] = elements[child]
            hole = child
        }
        siftUp(last, from: hole)
    }

    private mutating func grow() {
        let larger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
        larger.initialize(from: elements, count: count)
        elements.deallocate()
        elements = larger
        capacity *= 2
    }

    /// Traps if a parent is larger than a child; tests call it after every step.
    func _checkInvariants() {
        for index in 1..<Swift.max(1, count) {
            precondition(!(elements[index] < elements[(index - 1) / 2]), "event heap out of order at \(index)")
        }
    }
}
