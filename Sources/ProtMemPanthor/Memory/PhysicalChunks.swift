import ProtMemMemory

/// Bus transfers over a scatter list: a buffer's bytes laid end to end across its chunks.
enum PhysicalChunks {
    /// Writes `bytes` from the start of `chunks` as `master`; returns the byte offset after
    /// them. Stops at the first refused piece and throws its fault.
    @discardableResult
    static func write(_ bytes: [UInt8], into chunks: [PhysicalRange], at offset: UInt64 = 0, as master: BusMaster, bus: Bus) throws(AccessFault) -> UInt64 {
        guard !bytes.isEmpty else { return offset }
        let pieces = slice(chunks, offset: offset, count: UInt64(bytes.count))
        // Each piece is written from its part of `bytes` in place, not from a copy of it.
        let consumed: Result<Int, AccessFault> = bytes.withUnsafeBytes { raw in
            var consumed = 0
            for piece in pieces {
                let count = Int(piece.size)
                do throws(AccessFault) {
                    try bus.write(master, at: piece.base, from: UnsafeRawBufferPointer(rebasing: raw[consumed..<(consumed + count)]))
                } catch {
                    return .failure(error)
                }
                consumed += count
            }
            return .success(consumed)
        }
        return offset + UInt64(try consumed.get())
    }

    /// Fills the chunks from byte `offset` to their end with `byte`.
    static func fill(_ chunks: [PhysicalRange], from offset: UInt64, with byte: UInt8, as master: BusMaster, bus: Bus) throws(AccessFault) {
        let total = chunks.reduce(0) { $0 + $1.size }
        guard offset < total else { return }
        for piece in slice(chunks, offset: offset, count: total - offset) {
            try bus.fill(master, piece, with: byte)
        }
    }

    /// Reads `count` bytes from byte `offset` of the chunks.
    static func read(_ chunks: [PhysicalRange], offset: UInt64 = 0, count: UInt64, as master: BusMaster, bus: Bus) throws(AccessFault) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(count))
        for piece in slice(chunks, offset: offset, count: count) {
            bytes += try bus.read(master, piece)
        }
        return bytes
    }

    /// The physical pieces behind bytes `[offset, offset + count)` (clamped to the chunks).
    static func slice(_ chunks: [PhysicalRange], offset: UInt64, count: UInt64) -> [PhysicalRange] {
        var result: [PhysicalRange] = []
        var cursor: UInt64 = 0
        let end = offset + count
        for chunk in chunks {
            let chunkEnd = cursor + chunk.size
            defer { cursor = chunkEnd }
            guard chunkEnd > offset else { continue }
            guard cursor < end else { break }
            let lo = max(offset, cursor), hi = min(end, chunkEnd)
            result.append(PhysicalRange(base: PhysicalAddress(chunk.base.rawValue + (lo - cursor)), size: hi - lo)!)
        }
        return result
    }

    /// The first element of ``slice(_:offset:count:)``, without building the rest.
    static func firstPiece(_ chunks: [PhysicalRange], offset: UInt64, count: UInt64) -> PhysicalRange? {
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
