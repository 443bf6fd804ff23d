/// A queue's ring of jobs: a job handle is an index into it, and
/// the driver answers for every job from ``startIndex`` on.
///
/// A playback submits thousands of jobs to one queue. In one array every doubling copied the
/// whole ring into fresh pages (the kernel zeroing each); in fixed-size chunks an append never
/// moves what is already there, and a chunk is small enough for the allocator to reuse.
///
/// Finished jobs are forgotten a whole chunk at a time once ``retainedFinishedJobs`` newer
/// ones have finished (``retire(finishedBelow:)``), as the kernel frees a job once its fence
/// has signalled: a queue fed for days holds what one fed for a minute does. A forgotten job's
/// handle answers `nil`, as one that was never submitted.
package struct JobRing: RandomAccessCollection, MutableCollection {
    package typealias Element = CommandStreamRing.Entry

    private static let chunkShift = 8
    private static let chunkCapacity = 1 << chunkShift
    private static let offsetMask = chunkCapacity - 1
    /// Finished jobs kept behind the firmware's extract pointer, at least: far more than any
    /// poller waits on (a playback polls the last few frames' jobs).
    package static let retainedFinishedJobs = 4096

    /// The chunks held, from the one holding ``startIndex``: full chunks, then the one being
    /// filled.
    private var chunks: [[Element]] = []
    /// Chunks forgotten, from the first.
    private var retiredChunks = 0
    package private(set) var count = 0

    package init() {}

    /// The first job still held: `0` until some are forgotten.
    package var startIndex: Int { retiredChunks << Self.chunkShift }
    package var endIndex: Int { count }

    package subscript(position: Int) -> Element {
        get { chunks[(position >> Self.chunkShift) - retiredChunks][position & Self.offsetMask] }
        set { chunks[(position >> Self.chunkShift) - retiredChunks][position & Self.offsetMask] = newValue }
        _modify { yield &chunks[(position >> Self.chunkShift) - retiredChunks][position & Self.offsetMask] }
    }

    package mutating func append(_ entry: consuming Element) {
        if count & Self.offsetMask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(Self.chunkCapacity)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(entry)
        count += 1
    }

    /// Forgets the chunks whose jobs all lie ``retainedFinishedJobs`` or more below `extract`
    /// (the jobs before it have finished). Cheap enough to call at every chunk boundary.
    package mutating func retire(finishedBelow extract: Int) {
        let keepFrom = extract - Self.retainedFinishedJobs
        let whole = Swift.max(0, keepFrom) >> Self.chunkShift
        guard whole > retiredChunks else { return }
        chunks.removeFirst(whole - retiredChunks)
        retiredChunks = whole
    }

    /// Chunks held (for tests of how much a long-fed queue keeps).
    package var heldChunks: Int { chunks.count }
}
