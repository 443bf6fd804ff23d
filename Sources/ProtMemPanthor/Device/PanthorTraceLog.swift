/// The device's trace as it is recorded (ten events a frame: some 36,000 in a 60 s playback).
///
/// Events go into chunks of fixed capacity, so recording never copies what is already
/// recorded: one array would copy everything, and touch as many fresh pages, every time it
/// doubled. An event, once in a chunk, is never written again, so a reader can walk the chunks
/// in place (``prefix(_:)``) rather than have them joined into one array; ``events()`` joins
/// them for callers that want an array, copying only what was recorded since its last join.
///
/// The log keeps every event unless it streams (``stream(to:)``): then each chunk, once a
/// newer one is full, goes to a consumer and is forgotten, so a run of any length holds two
/// chunks however long it lasts. What the log holds is then the events from ``dropped`` on.
///
/// **Why it is unsafe inside.** The device records ten events a frame, each inlined into the
/// step that records it: an append writes the event straight into the chunk being filled,
/// through pointers to that chunk's header and elements kept beside it (a managed buffer's
/// elements never move), rather than asking the buffer in a closure (which captured the event
/// and copied it) or going through the class's `header` property (a dynamic exclusivity check
/// on every append). This file is one of the module's listed storage types: the log, its
/// chunks (``PanthorTraceChunk``) and the read-only view of them (``PanthorTracePrefix``) are
/// the only places those pointers are used, and nothing unsafe leaves them: readers get
/// events, arrays of events, or a `Span` of them lent to a closure.
///
/// **Invariants** (``_checkInvariants()``): ``dropped`` is whole chunks and at most
/// ``count``; the chunks held are exactly those the events from ``dropped`` to ``count``
/// fill, every one full but the last; the chunk being filled is the last one held, and the
/// two pointers point into it; no chunk that holds an event with references says it holds
/// none (so its `deinit` destroys them); the joined events are a prefix of those held.
/// Non-copyable: two copies would append into the one chunk being filled.
package struct PanthorTraceLog: ~Copyable {
    /// The chunks held, in order; only the last one is still filled.
    private var chunks: [PanthorTraceChunk] = []
    /// Events held and joined by the earlier reads of ``events()``, from ``dropped`` on.
    private var joined: [PanthorTraceEvent] = []
    /// Every event recorded, held or handed on.
    package private(set) var count = 0
    /// Events handed to the consumer and forgotten: always whole chunks.
    package private(set) var dropped = 0
    /// Where full chunks go while the log streams.
    private var consumer: (@Sendable (PanthorTracePrefix) -> Void)?

    /// The chunk being filled (also the last of `chunks`), held apart so an append reaches
    /// it without going through the array.
    private var current: PanthorTraceChunk?
    /// Where `current`'s events lie: a managed buffer's elements never move, so an append
    /// writes there directly instead of asking the buffer in a closure, which would capture
    /// the event and copy it.
    private var currentEvents: UnsafeMutablePointer<PanthorTraceEvent>?
    /// Where `current`'s header lies, likewise: set through the class's `header` property,
    /// every append would pay a dynamic exclusivity check.
    private var currentHeader: UnsafeMutablePointer<PanthorTraceChunk.Header>?

    /// Moves `event` into the chunk being filled (a copy of a multi-payload enum is not a memcpy).
    ///
    /// Inlined into the recording step, so the event is built where it is stored: passed to
    /// a call, it is written to the stack field by field and read back in wide loads, which
    /// the CPU cannot forward from the narrow stores, and every append stalled on it.
    @inline(__always)
    package mutating func append(_ event: consuming PanthorTraceEvent) {
        let slot = count % PanthorTraceChunk.capacity
        if slot == 0 { startChunk() }
        // Set: the chunk was started when its first slot was taken (and a log with events
        // always has the chunk being filled, see the invariants).
        let header = currentHeader.unsafelyUnwrapped
        if event.kind.holdsReferences { header.pointee.holdsReferences = true }
        (currentEvents.unsafelyUnwrapped + slot).initialize(to: event)
        header.pointee.count = slot + 1
        count += 1
    }

    /// A fresh chunk to fill, once every ``PanthorTraceChunk/capacity`` events; while the log
    /// streams, the full chunk before the last goes to the consumer first.
    @inline(never)
    private mutating func startChunk() {
        if let consumer, chunks.count >= 2 { handOn(consumer) }
        let chunk = PanthorTraceChunk.make()
        chunks.append(chunk)
        current = chunk
        currentEvents = chunk.withUnsafeMutablePointerToElements { $0 }
        currentHeader = chunk.withUnsafeMutablePointerToHeader { $0 }
    }

    /// Hands the oldest held chunk (a full one) to `consumer` and forgets it.
    private mutating func handOn(_ consumer: @Sendable (PanthorTracePrefix) -> Void) {
        let oldest = chunks.removeFirst()
        dropped += PanthorTraceChunk.capacity
        joined.removeFirst(min(joined.count, PanthorTraceChunk.capacity))
        consumer(PanthorTracePrefix(chunks: [oldest], count: PanthorTraceChunk.capacity))
    }

    /// From now on, hands each full chunk but the newest to `consumer` (called while the
    /// event after it is being recorded: it must only read) and forgets it; `nil` keeps
    /// everything from now on again. Events already held stay held.
    package mutating func stream(to consumer: (@Sendable (PanthorTracePrefix) -> Void)?) {
        self.consumer = consumer
    }

    /// The events held up to event `length` of the whole trace (those from ``dropped``,
    /// below `length` and ``count``), read in place from the chunks.
    package func prefix(_ length: Int) -> PanthorTracePrefix {
        PanthorTracePrefix(chunks: chunks, count: min(max(0, length - dropped), count - dropped))
    }

    /// Every event held, in the order recorded.
    package mutating func events() -> [PanthorTraceEvent] {
        let held = count - dropped
        guard held > joined.count else { return joined }
        var next = joined.count
        joined.reserveCapacity(held)
        while next < held {
            let chunk = chunks[next / PanthorTraceChunk.capacity]
            let first = next % PanthorTraceChunk.capacity
            let end = min(held - next + first, PanthorTraceChunk.capacity)
            chunk.withEvents { events in joined.append(contentsOf: events[first..<end]) }
            next += end - first
        }
        return joined
    }

    package init() {}

    /// Checks the invariants in the type's documentation (`precondition`, so release builds
    /// check too). Walks every event held: for tests.
    package func _checkInvariants() {
        let capacity = PanthorTraceChunk.capacity
        precondition(dropped >= 0 && dropped <= count && dropped % capacity == 0, "dropped \(dropped) of \(count) is not whole chunks")
        let held = count - dropped
        precondition(chunks.count == (held + capacity - 1) / capacity, "\(chunks.count) chunks hold \(held) events")
        precondition(joined.count <= held, "\(joined.count) events joined of \(held) held")
        for (index, chunk) in chunks.enumerated() {
            let expected = index == chunks.count - 1 ? held - index * capacity : capacity
            chunk.withHeader { header in
                precondition(header.count == expected, "chunk \(index) holds \(header.count) events, not \(expected)")
                if !header.holdsReferences {
                    chunk.withEvents { events in
                        precondition(!events.contains { $0.kind.holdsReferences }, "chunk \(index) holds references it does not know of")
                    }
                }
            }
        }
        guard let current else {
            precondition(chunks.isEmpty && currentEvents == nil && currentHeader == nil, "no chunk being filled, but chunks or pointers")
            return
        }
        precondition(current === chunks.last, "the chunk being filled is not the last held")
        precondition(currentEvents == current.withUnsafeMutablePointerToElements { $0 }, "the element pointer is not the chunk's")
        precondition(currentHeader == current.withUnsafeMutablePointerToHeader { $0 }, "the header pointer is not the chunk's")
    }
}

/// The device's trace up to some event, read in place from its chunks: what a report walks
/// once at the end of a run, without an array of every event being built for it.
///
/// `@unchecked Sendable` (a `ManagedBuffer` cannot be `Sendable`): an event is written once,
/// under the device's lock, before the count that lets a prefix see it is taken, and never
/// written again; a prefix reads only below its own count.
public struct PanthorTracePrefix: RandomAccessCollection, @unchecked Sendable {
    fileprivate let chunks: [PanthorTraceChunk]
    public let count: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> PanthorTraceEvent {
        precondition(position >= 0 && position < count, "trace index out of range")
        return chunks[position / PanthorTraceChunk.capacity].event(at: position % PanthorTraceChunk.capacity)
    }

    /// Calls `body` with the events in order, a chunk's worth at a time, in place: a walk that
    /// only looks at each event's kind reads it where it lies instead of copying it out (an
    /// event's kind is a multi-payload enum, dear to copy and destroy).
    public func forEachRun(_ body: (Span<PanthorTraceEvent>) throws -> Void) rethrows {
        var remaining = count
        for chunk in chunks where remaining > 0 {
            let length = Swift.min(remaining, PanthorTraceChunk.capacity)
            try chunk.withEvents(length) { events in try body(events.span) }
            remaining -= length
        }
    }
}

/// Up to ``capacity`` trace events in one allocation, appended in place.
final class PanthorTraceChunk: ManagedBuffer<PanthorTraceChunk.Header, PanthorTraceEvent> {
    /// 40 KiB of events: small enough for the allocator to reuse freed chunks.
    static let capacity = 1024

    struct Header {
        /// Events written.
        var count = 0
        /// Whether any of them holds a reference (a failure, a string): only then does
        /// freeing the chunk have to destroy its events one by one, each through the kind's
        /// value witness; nearly every chunk holds only plain values and frees as bytes.
        var holdsReferences = false
    }

    static func make() -> PanthorTraceChunk {
        unsafeDowncast(create(minimumCapacity: capacity) { _ in Header() }, to: PanthorTraceChunk.self)
    }

    func event(at index: Int) -> PanthorTraceEvent {
        withUnsafeMutablePointerToElements { $0[index] }
    }

    /// The events recorded so far, for reading.
    func withEvents<R>(_ body: (UnsafeBufferPointer<PanthorTraceEvent>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointers { header, events in try body(UnsafeBufferPointer(start: events, count: header.pointee.count)) }
    }

    /// The header, for reading.
    func withHeader<R>(_ body: (PanthorTraceChunk.Header) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToHeader { header in try body(header.pointee) }
    }

    /// The first `length` events, for a reader that knows they are written: it never reads the
    /// count, which the device may be bumping as it appends past them on another thread.
    func withEvents<R>(_ length: Int, _ body: (UnsafeBufferPointer<PanthorTraceEvent>) throws -> R) rethrows -> R {
        try withUnsafeMutablePointerToElements { events in try body(UnsafeBufferPointer(start: events, count: length)) }
    }

    deinit {
        withUnsafeMutablePointers { header, events in
            if header.pointee.holdsReferences { events.deinitialize(count: header.pointee.count) }
        }
    }
}
