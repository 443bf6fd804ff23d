/// The device's trace as it is recorded (one event for every step of every frame, tens of
/// thousands in a long run).
///
/// Events go into chunks of fixed capacity, so recording never copies what is already
/// recorded: one array would copy everything, and touch as many fresh pages, every time it
/// doubled. Reading joins the chunks into one array, once, and keeps it for the next read.
struct PanthorTraceLog {
    /// Events of every chunk joined by the last read.
    private var joined: [PanthorTraceEvent] = []
    /// Chunks filled since the last read, in order.
    private var full: [[PanthorTraceEvent]] = []
    /// The chunk being filled.
    private var current: [PanthorTraceEvent] = []
    private var fullCount = 0

    /// Events per chunk: 40 KiB, small enough for the allocator to reuse freed chunks.
    static let chunkCapacity = 1024

    var count: Int { joined.count + fullCount + current.count }

    mutating func append(_ event: PanthorTraceEvent) {
        if current.count == current.capacity { startChunk() }
        current.append(event)
    }

    private mutating func startChunk() {
        if !current.isEmpty {
            fullCount += current.count
            full.append(current)
        }
        current = []
        current.reserveCapacity(Self.chunkCapacity)
    }

    /// Every event, in the order recorded.
    mutating func events() -> [PanthorTraceEvent] {
        guard fullCount > 0 || !current.isEmpty else { return joined }
        joined.reserveCapacity(count)
        for chunk in full { joined.append(contentsOf: chunk) }
        joined.append(contentsOf: current)
        full = []
        fullCount = 0
        current = []
        return joined
    }
}
