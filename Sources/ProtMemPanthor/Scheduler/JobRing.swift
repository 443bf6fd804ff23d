/// A queue's ring of jobs, kept whole for the life of the group (a job handle is an index into
/// it, and ``PanthorCore/jobState(_:)`` answers for any job ever submitted).
///
/// A playback submits thousands of jobs to one queue. In one array every doubling copied the
/// whole ring into fresh pages (the kernel zeroing each); in fixed-size chunks an append never
/// moves what is already there, and a chunk is small enough for the allocator to reuse.
struct JobRing: RandomAccessCollection, MutableCollection {
    typealias Element = PanthorQueue.Entry

    private static let chunkShift = 8
    private static let chunkCapacity = 1 << chunkShift
    private static let offsetMask = chunkCapacity - 1

    /// Full chunks, then the one being filled.
    private var chunks: [[Element]] = []
    private(set) var count = 0

    var startIndex: Int { 0 }
    var endIndex: Int { count }

    subscript(position: Int) -> Element {
        get { chunks[position >> Self.chunkShift][position & Self.offsetMask] }
        set { chunks[position >> Self.chunkShift][position & Self.offsetMask] = newValue }
        _modify { yield &chunks[position >> Self.chunkShift][position & Self.offsetMask] }
    }

    mutating func append(_ entry: consuming Element) {
        if count & Self.offsetMask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkCapacity)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(entry)
        count += 1
    }
}
