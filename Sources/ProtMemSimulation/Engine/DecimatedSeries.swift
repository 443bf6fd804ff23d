/// A series that keeps at most ``capacity`` elements however long a run appends to it: a
/// run's plots (heap occupancy, protected-mode periods) must not grow with simulated time.
///
/// Up to ``capacity`` elements are kept as appended. One more halves the series: each pair of
/// neighbours becomes one (`merge`), and from then on every two appended elements become one
/// kept; each time the series fills again the stride doubles. So the kept elements always
/// cover the whole run, evenly, each standing for ``stride`` appended ones (the last of
/// ``elements`` for those appended since, fewer). A run that appends no more than
/// ``capacity`` keeps exactly what it appended.
struct DecimatedSeries<Element> {
    /// At most this many elements are kept (an even number).
    let capacity: Int
    /// Two neighbours as one: the earlier first.
    let merge: (Element, Element) -> Element
    /// The full buckets, in order.
    private var kept: [Element] = []
    /// The bucket being filled, and how many elements it stands for.
    private var pending: Element?
    private var pendingCount = 0
    /// Appended elements per kept one: a power of two.
    private(set) var stride = 1
    /// Every element appended.
    private(set) var appended: UInt64 = 0

    init(capacity: Int, merge: @escaping (Element, Element) -> Element) {
        precondition(capacity >= 2 && capacity % 2 == 0, "a decimated series needs an even capacity")
        self.capacity = capacity
        self.merge = merge
    }

    mutating func append(_ element: Element) {
        appended += 1
        // A new bucket with no room for it: make room, and the bucket twice the size.
        if pending == nil, kept.count == capacity { halve() }
        pending = pending.map { merge($0, element) } ?? element
        pendingCount += 1
        guard pendingCount == stride else { return }
        kept.append(pending!)
        pending = nil
        pendingCount = 0
    }

    /// Pairs of neighbours as one: half the elements, each for twice as many.
    private mutating func halve() {
        var halved: [Element] = []
        halved.reserveCapacity(capacity)
        var index = 0
        while index + 1 < kept.count {
            halved.append(merge(kept[index], kept[index + 1]))
            index += 2
        }
        kept = halved
        stride *= 2
    }

    /// The kept elements, the bucket still being filled last.
    var elements: [Element] {
        guard let pending else { return kept }
        return kept + [pending]
    }
}
