import ProtMemMemory

/// The tag every piece of protected content carries in the simulation: 8 bytes of magic
/// (`PROTMEM!`) and the 8-byte id of the content, little-endian. Devices that produce
/// protected content (a decoder's frame, a camera's capture) write markers into it; seeing
/// one anywhere it must not be is how a leak is caught without tracking every byte.
public enum ContentMarker {
    public static let magic: [UInt8] = Array("PROTMEM!".utf8)
    public static let size = 16

    public static func bytes(id: UInt64) -> [UInt8] {
        magic + (0..<8).map { UInt8(truncatingIfNeeded: id >> (8 * UInt64($0))) }
    }

    /// The marker for `id` written into the first ``size`` bytes of `buffer` (a device writes
    /// one per frame, so it goes straight where it belongs rather than through an array).
    public static func write(id: UInt64, into buffer: inout MutableRawSpan) {
        precondition(buffer.byteCount >= size, "a content marker needs \(size) bytes")
        buffer.storeBytes(of: magicWord.littleEndian, as: UInt64.self)
        buffer.storeBytes(of: id.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// The magic as the little-endian word it reads as in memory ("PROTMEM!" is 50 52 4f 54
    /// 4d 45 4d 21): a constant, so a scan reads no lazily initialised global.
    static let magicWord: UInt64 = 0x214d_454d_544f_5250

    /// Whether `byte` is one of the magic's (a fill of it could complete a marker).
    @inline(__always)
    public static func isMagicByte(_ byte: UInt8) -> Bool {
        var word = magicWord
        for _ in 0..<8 {
            if UInt8(truncatingIfNeeded: word) == byte { return true }
            word >>= 8
        }
        return false
    }

    /// Up to this many bytes ``firstID(in:)`` compares a word at every place a marker could
    /// start rather than asking `memchr` for candidates.
    static let directScanLimit = 24

    /// The id of the first complete marker in `data`, or `nil`. `memchr` finds candidates for
    /// the magic's first byte, so a large read costs about what copying it did.
    public static func firstID(in data: RawSpan) -> UInt64? {
        first(in: data, from: 0)?.id
    }

    /// The first complete marker in `data` that starts at `offset` or later: where it starts
    /// and its id.
    public static func first(in data: RawSpan, from offset: Int) -> (offset: Int, id: UInt64)? {
        let count = data.byteCount
        guard offset >= 0, count - offset >= size else { return nil }
        // A few places a marker could start (a 16-byte firmware record has one): comparing
        // each word in place costs less than the call into `memchr` that finds none.
        if count - offset <= directScanLimit {
            for position in offset...(count - size) where RawSpanReader.word(data, at: position) == magicWord {
                return (position, RawSpanReader.word(data, at: position + 8))
            }
            return nil
        }
        var offset = offset
        while offset + size <= count {
            guard let position = RawSpanReader.firstOffset(of: UInt8(ascii: "P"), in: data, from: offset, to: count - size + 1) else { return nil }
            if RawSpanReader.word(data, at: position) == magicWord {
                return (position, RawSpanReader.word(data, at: position + 8))
            }
            offset = position + 1
        }
        return nil
    }

    /// The markers in `memory` that overlap its `count` bytes at `offset` without lying wholly
    /// inside them, lowest first, each handed to `body` (where it starts in `memory`, its id)
    /// until `body` answers `false`: protected content a transaction carries only part of,
    /// because it was split across transactions (read 8 bytes or 1 byte at a time, written
    /// in halves). `memory` is what lies around the transaction, up to `size - 1` bytes
    /// either side; markers running past its ends are not found.
    ///
    /// Such a marker starts in one of two runs of at most `size - 1` places: just before the
    /// range, or inside it close enough to its end to run out of it (for a range shorter than
    /// a marker, anywhere in it). Each run is looked at a word at a time for the magic's
    /// first byte, so a transaction with no marker at its ends (nearly every one) costs four
    /// word loads, whatever its size.
    @inline(__always)
    public static func forEachStraddling(_ offset: Int, _ count: Int, in memory: RawSpan, _ body: (Int, UInt64) -> Bool) {
        let end = offset + count
        // The highest place a whole marker fits at.
        let last = memory.byteCount - size
        guard last >= 0, count > 0 else { return }
        if !forEachMarker(from: max(0, offset - (size - 1)), through: min(offset - 1, last), in: memory, body) { return }
        _ = forEachMarker(from: max(offset, end - (size - 1)), through: min(end - 1, last), in: memory, body)
    }

    /// Every marker starting in `first...last` (at most `size - 1` places, all with a whole
    /// marker's room in `memory`) handed to `body`; `false` once `body` has said stop.
    @inline(__always)
    private static func forEachMarker(from first: Int, through last: Int, in memory: RawSpan, _ body: (Int, UInt64) -> Bool) -> Bool {
        var chunk = first
        while chunk <= last {
            // The bytes equal to "P" in these eight: zero bytes of the word xor "PPPPPPPP",
            // found (with false hits only above a true one, which the compare drops) by the
            // usual has-zero-byte trick. In bounds: a marker fits at `chunk`.
            let word = RawSpanReader.word(memory, at: chunk) ^ 0x5050_5050_5050_5050
            var hits = (word &- 0x0101_0101_0101_0101) & ~word & 0x8080_8080_8080_8080
            while hits != 0 {
                let position = chunk + hits.trailingZeroBitCount / 8
                guard position <= last else { return true }
                if RawSpanReader.word(memory, at: position) == magicWord,
                   !body(position, RawSpanReader.word(memory, at: position + 8)) {
                    return false
                }
                hits &= hits &- 1
            }
            chunk += 8
        }
        return true
    }
}
