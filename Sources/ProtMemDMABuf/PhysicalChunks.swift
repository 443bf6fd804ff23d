import ProtMemMemory

/// Bus transfers over a scatter list: a buffer's bytes laid end to end across its chunks, for
/// every importer that moves a buffer's bytes itself (the GPU, the codec, display and camera).
/// Public and inlinable, so each importer's transfers are specialised for its own chunk
/// collection in its own module (an `@inlinable package` body is not inlined across modules). The
/// GPU's protected-mode transfers, which take the bus's privileged path, are its own
/// (`PhysicalChunks+Privileged.swift` in the GPU's module, the only place that imports the
/// secure world's SPI for them).
public enum PhysicalChunks {
    /// Writes `bytes` from the start of `chunks` as `master`; returns the byte offset after
    /// them. Stops at the first refused piece and throws its fault.
    @discardableResult @inlinable
    public static func write<Chunks: Collection<PhysicalRange>>(_ bytes: [UInt8], into chunks: Chunks, at offset: UInt64 = 0, as master: BusMaster, bus: Bus) throws(AccessFault) -> UInt64 {
        guard !bytes.isEmpty else { return offset }
        // Each piece is written from its part of `bytes` in place, not from a copy of it.
        let raw = bytes.span.bytes
        var consumed = 0
        try forEachPiece(chunks, offset: offset, count: UInt64(bytes.count)) { piece throws(AccessFault) in
            let count = Int(piece.size)
            let source = raw.extracting(consumed..<(consumed + count))
            try bus.write(master, at: piece.base, from: source)
            consumed += count
        }
        return offset + UInt64(consumed)
    }

    /// Fills the chunks from byte `offset` to their end with `byte`.
    @inlinable
    public static func fill<Chunks: Collection<PhysicalRange>>(_ chunks: Chunks, from offset: UInt64, with byte: UInt8, as master: BusMaster, bus: Bus) throws(AccessFault) {
        let total = chunks.reduce(0) { $0 + $1.size }
        guard offset < total else { return }
        try forEachPiece(chunks, offset: offset, count: total - offset) { piece throws(AccessFault) in
            try bus.fill(master, piece, with: byte)
        }
    }

    /// Reads `count` bytes from byte `offset` of the chunks.
    @inlinable
    public static func read<Chunks: Collection<PhysicalRange>>(_ chunks: Chunks, offset: UInt64 = 0, count: UInt64, as master: BusMaster, bus: Bus) throws(AccessFault) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(count))
        try forEachPiece(chunks, offset: offset, count: count) { piece throws(AccessFault) in
            bytes += try bus.read(master, piece)
        }
        return bytes
    }

    /// Calls `body` with each physical piece behind bytes `[offset, offset + count)` (clamped
    /// to the chunks), in order, without building a list of them (transfers run several times
    /// per frame and are mostly one piece). Stops at the first error.
    @inlinable
    public static func forEachPiece<Chunks: Collection<PhysicalRange>, E: Error>(_ chunks: Chunks, offset: UInt64, count: UInt64, _ body: (PhysicalRange) throws(E) -> Void) throws(E) {
        var cursor: UInt64 = 0
        let end = offset + count
        for chunk in chunks {
            let chunkEnd = cursor + chunk.size
            defer { cursor = chunkEnd }
            guard chunkEnd > offset else { continue }
            guard cursor < end else { break }
            let lo = max(offset, cursor), hi = min(end, chunkEnd)
            try body(PhysicalRange(base: PhysicalAddress(chunk.base.rawValue + (lo - cursor)), size: hi - lo)!)
        }
    }

    /// The first piece ``forEachPiece(_:offset:count:_:)`` would give.
    @inlinable
    public static func firstPiece<Chunks: Collection<PhysicalRange>>(_ chunks: Chunks, offset: UInt64, count: UInt64) -> PhysicalRange? {
        var cursor: UInt64 = 0
        let end = offset + count
        for chunk in chunks {
            let chunkEnd = cursor + chunk.size
            defer { cursor = chunkEnd }
            guard chunkEnd > offset else { continue }
            guard cursor < end else { break }
            let lo = max(offset, cursor), hi = min(end, chunkEnd)
            return PhysicalRange(base: PhysicalAddress(chunk.base.rawValue + (lo - cursor)), size: hi - lo)!
        }
        return nil
    }
}
