import CProtMemFill

/// Deterministic frame contents: what a decoder or a sensor would produce, reduced to bytes
/// that depend only on (stream, frame), so a consumer can check it saw the right frame.
///
/// A frame is a Weyl sequence started from a seed mixed out of (stream, frame): word `k`
/// (bytes `[8k, 8k + 8)`, little-endian) is `x ^ (x >> 29)` with `x = seed + (k + 1) · γ`.
/// The seed is one SplitMix64 finalisation of the frame's identity, a bijection, so two frames
/// of one stream have different seeds and so differ in every word; the words themselves take
/// an add, a shift and an xor each. This runs once per frame in every playback, on the
/// simulation's hot path, where a full SplitMix64 step per word (two 64-bit multiplies, which
/// the vector unit has to emulate) cost more than the rest of the frame's work on the bus.
public enum FramePattern {
    /// The Weyl increment: 2^64 divided by the golden ratio, odd.
    static let gamma: UInt64 = 0x9e37_79b9_7f4a_7c15

    /// `count` bytes of frame `frame` of stream `stream`.
    public static func bytes(stream: UInt64, frame: UInt64, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer), stream: stream, frame: frame)
            initialized = count
        }
    }

    /// The frame's seed: its identity through the SplitMix64 finaliser.
    @inline(__always)
    static func seed(stream: UInt64, frame: UInt64) -> UInt64 {
        var z = stream &* gamma ^ frame &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z &>> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z &>> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z &>> 31)
    }

    /// A word from its point `x` on the sequence.
    @inline(__always)
    static func word(_ x: UInt64) -> UInt64 { x ^ (x &>> 29) }

    /// Writes bytes `[offset, offset + buffer.count)` of frame `frame` of stream `stream` into
    /// `buffer`: the same bytes as ``bytes(stream:frame:count:)``, generated where they go (a
    /// device writing its output straight into DRAM), for any piece of a scattered buffer.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer, stream: UInt64, frame: UInt64, offset: UInt64 = 0) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        // The point of the word the piece starts inside.
        var x = seed(stream: stream, frame: frame) &+ (offset / 8 &+ 1) &* gamma
        let count = buffer.count
        var index = 0
        // The rest of the word the piece starts inside, then whole words in a loop with no
        // other test in it, then the start of the word it ends inside.
        if offset % 8 != 0 {
            let value = word(x)
            x &+= gamma
            var shift = offset % 8 &* 8
            while shift < 64, index < count {
                base.storeBytes(of: UInt8(truncatingIfNeeded: value &>> shift), toByteOffset: index, as: UInt8.self)
                index &+= 1
                shift &+= 8
            }
        }
        let words = (count &- index) / 8
        let cursor = base + index
        // Whole words in the widest vectors the processor has, where it has wider than the
        // build's baseline (most of a frame); then the rest here.
        let vectorWords = Int(cprotmem_weyl_fill(cursor, words, x, gamma))
        x &+= UInt64(truncatingIfNeeded: vectorWords) &* gamma
        // The point advances by an add per word (the vectoriser keeps it as an induction
        // variable: no multiply in the loop).
        for k in vectorWords..<words {
            cursor.storeBytes(of: word(x).littleEndian, toByteOffset: k &* 8, as: UInt64.self)
            x &+= gamma
        }
        index &+= words &* 8
        if index < count {
            let value = word(x)
            var shift: UInt64 = 0
            while index < count {
                base.storeBytes(of: UInt8(truncatingIfNeeded: value &>> shift), toByteOffset: index, as: UInt8.self)
                index &+= 1
                shift &+= 8
            }
        }
    }

    /// The ``checksum(_:)`` of ``bytes(stream:frame:count:)``, without the bytes: the pattern
    /// depends only on its arguments, so its checksum can be had whenever it is asked for.
    public static func checksum(stream: UInt64, frame: UInt64, count: Int) -> UInt64 {
        var x = seed(stream: stream, frame: frame)
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var index = 0
        while index < count {
            x &+= gamma
            let z = word(x)
            if index + 8 <= count {
                hash = (hash ^ z) &* 0x100_0000_01b3
                index += 8
            } else {
                var shift: UInt64 = 0
                while shift < 64, index < count {
                    hash = (hash ^ (z >> shift & 0xff)) &* 0x100_0000_01b3
                    index += 1
                    shift += 8
                }
            }
        }
        return hash
    }

    /// FNV-1a over 64-bit little-endian words (the tail byte by byte): the checksum a display's
    /// CRC unit would report, in spirit.
    public static func checksum(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            var offset = 0
            while offset + 8 <= raw.count {
                hash ^= UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                hash = hash &* 0x100_0000_01b3
                offset += 8
            }
            while offset < raw.count {
                hash ^= UInt64(raw[offset])
                hash = hash &* 0x100_0000_01b3
                offset += 1
            }
            return hash
        }
    }
}
