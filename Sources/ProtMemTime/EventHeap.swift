/// A binary min-heap: the smallest element at index 0, each parent no larger than its
/// children.
///
/// - Complexity: `insert` and `popMin` are O(log n); `min` is O(1).
struct EventHeap<Element: Comparable> {
    private(set) var storage: [Element] = []

    var count: Int { storage.count }
    var isEmpty: Bool { storage.isEmpty }
    var min: Element? { storage.first }

    mutating func insert(_ element: Element) {
        storage.append(element)
        siftUp(storage.count - 1)
    }

    mutating func popMin() -> Element? {
        guard let last = storage.popLast() else { return nil }
        guard !storage.isEmpty else { return last }
        let smallest = storage[0]
        // Floyd's pop: walk the hole at the root down to a leaf along the smaller children (one
        // comparison per level), then let the former last element rise from there; it came from
        // the bottom, so it rarely rises far.
        storage.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var hole = 0
            while true {
                let left = 2 * hole + 1
                guard left < count else { break }
                let right = left + 1
                let child = right < count && heap[right] < heap[left] ? right : left
                heap[hole] = heap[child]
                hole = child
            }
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard last < heap[parent] else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = last
        }
        return smallest
    }

    /// Moves the element at `start` up to its place, shifting parents down into the hole
    /// rather than swapping.
    private mutating func siftUp(_ start: Int) {
        storage.withUnsafeMutableBufferPointer { heap in
            let element = heap[start]
            var hole = start
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard element < heap[parent] else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = element
        }
    }

    /// Traps if a parent is larger than a child; tests call it after every step.
    func _checkInvariants() {
        for index in storage.indices.dropFirst() {
            precondition(!(storage[index] < storage[(index - 1) / 2]), "event heap out of order at \(index)")
        }
    }
}
