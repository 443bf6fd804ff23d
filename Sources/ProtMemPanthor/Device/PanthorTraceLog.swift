/// The device's trace as it is recorded (ten events a frame: some 36,000 in a 60 s playback).
///
/// Events go into chunks of fixed capacity, so recording never copies what is already
/// recorded: one array would copy everything, and touch as many fresh pages, every time it
/// doubled. Reading joins the chunks into one array, moving the events out of them (a plain
/// memory move, no copy and destroy of each event), and keeps it for the next read.
struct PanthorTraceLog {
    /// Events joined by the earlier reads.
    private var joined: [PanthorTraceEvent] = []
    /// Chunks filled since the last read, in order.
    private var full: [PanthorTraceChunk] = []
    /// The chunk being filled.
    private var current: PanthorTraceChunk?
    private(set) var count = 0

    mutating func append(_ event: PanthorTraceEvent) {
        if current == nil || current!.isFull { startChunk() }
        current!.append(event)
        count += 1
    }

    private mutating func startChunk() {
        if let current { full.append(current) }
        current = PanthorTraceChunk.make()
    }

    /// Every event, in the order recorded.
    mutating func events() -> [PanthorTraceEvent] {
        guard count > joined.count else { return joined }
        if let current {
            full.append(current)
            self.current = nil
        }
        let earlier = joined
        let chunks = full
        full = []
        joined = Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            var next = buffer.baseAddress!
            earlier.withUnsafeBufferPointer { events in
                guard let start = events.baseAddress else { return }
                next.initialize(from: start, count: events.count)
                next += events.count
            }
            for chunk in chunks { next += chunk.moveEvents(to: next) }
            initialized = next - buffer.baseAddress!
        }
        return joined
    }
}

/// Up to ``capacity`` trace events in one allocation, appended in place.
final class PanthorTraceChunk: ManagedBuffer<Int, PanthorTraceEvent> {
    /// 40 KiB of events: small enough for the allocator to reuse freed chunks.
    static let capacity = 1024

    static func make() -> PanthorTraceChunk {
        unsafeDowncast(create(minimumCapacity: capacity) { _ in 0 }, to: PanthorTraceChunk.self)
    }

    var isFull: Bool { header == Self.capacity }

    func append(_ event: PanthorTraceEvent) {
        withUnsafeMutablePointers { count, events in
            (events + count.pointee).initialize(to: event)
            count.pointee += 1
        }
    }

    /// Moves every event to `destination` (uninitialised memory), leaving the chunk empty;
    /// returns how many.
    func moveEvents(to destination: UnsafeMutablePointer<PanthorTraceEvent>) -> Int {
        withUnsafeMutablePointers { count, events in
            let moved = count.pointee
            destination.moveInitialize(from: events, count: moved)
            count.pointee = 0
            return moved
        }
    }

    deinit {
        _ = withUnsafeMutablePointers { count, events in events.deinitialize(count: count.pointee) }
    }
}
