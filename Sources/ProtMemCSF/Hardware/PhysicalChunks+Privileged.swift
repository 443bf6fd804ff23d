import ProtMemDMABuf
@_spi(SecureWorld) import ProtMemMemory

/// The GPU's scatter transfers that may run as its protected-mode identity: with `privileged`
/// they take the bus's privileged path (``GPUMemoryAccess``, in protected mode), else they are
/// the ordinary transfers of ``PhysicalChunks``. Kept beside the GPU hardware so the secure
/// world's SPI reaches no other importer.
extension PhysicalChunks {
    @discardableResult
    static func write<Chunks: Collection<PhysicalRange>>(_ bytes: [UInt8], into chunks: Chunks, at offset: UInt64 = 0, as master: BusMaster, bus: Bus,
                                                         privileged: Bool) throws(AccessFault) -> UInt64 {
        guard privileged else { return try write(bytes, into: chunks, at: offset, as: master, bus: bus) }
        guard !bytes.isEmpty else { return offset }
        // Each piece is written from its part of `bytes` in place, not from a copy of it.
        let raw = bytes.span.bytes
        var consumed = 0
        try forEachPiece(chunks, offset: offset, count: UInt64(bytes.count)) { piece throws(AccessFault) in
            let count = Int(piece.size)
            try bus.privileged.write(master, at: piece.base, from: raw.extracting(consumed..<(consumed + count)))
            consumed += count
        }
        return offset + UInt64(consumed)
    }

    /// Fills the chunks from byte `offset` to their end with `byte`.
    static func fill<Chunks: Collection<PhysicalRange>>(_ chunks: Chunks, from offset: UInt64, with byte: UInt8, as master: BusMaster, bus: Bus,
                                                        privileged: Bool) throws(AccessFault) {
        guard privileged else { return try fill(chunks, from: offset, with: byte, as: master, bus: bus) }
        let total = chunks.reduce(0) { $0 + $1.size }
        guard offset < total else { return }
        try forEachPiece(chunks, offset: offset, count: total - offset) { piece throws(AccessFault) in
            try bus.privileged.fill(master, piece, with: byte)
        }
    }

    /// Reads `count` bytes from byte `offset` of the chunks.
    static func read<Chunks: Collection<PhysicalRange>>(_ chunks: Chunks, offset: UInt64 = 0, count: UInt64, as master: BusMaster, bus: Bus,
                                                        privileged: Bool) throws(AccessFault) -> [UInt8] {
        guard privileged else { return try read(chunks, offset: offset, count: count, as: master, bus: bus) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(count))
        try forEachPiece(chunks, offset: offset, count: count) { piece throws(AccessFault) in
            bytes += try bus.privileged.read(master, piece)
        }
        return bytes
    }
}
