import ProtMemMemory

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
        var bytes = [UInt8](repeating: 0, count: count)
        var elements = bytes.mutableSpan
        var raw = elements.mutableBytes
        fill(&raw, stream: stream, frame: frame)
        return bytes
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

    /// Writes bytes `[offset, offset + buffer.byteCount)` of frame `frame` of stream `stream`
    /// into `buffer`: the same bytes as ``bytes(stream:frame:count:)``, generated where they go
    /// (a device writing its output straight into DRAM), for any piece of a scattered buffer.
    public static func fill(_ buffer: inout MutableRawSpan, stream: UInt64, frame: UInt64, offset: UInt64 = 0) {
        let count = buffer.byteCount
        guard count > 0 else { return }
        // The point of the word the piece starts inside.
        var x = seed(stream: stream, frame: frame) &+ (offset / 8 &+ 1) &* gamma
        var index = 0
        // The rest of the word the piece starts inside, then whole words in a loop with no
        // other test in it, then the start of the word it ends inside.
        if offset % 8 != 0 {
            let value = word(x)
            x &+= gamma
            var shift = offset % 8 &* 8
            while shift < 64, index < count {
                buffer.storeBytes(of: UInt8(truncatingIfNeeded: value &>> shift), toByteOffset: index, as: UInt8.self)
                index &+= 1
                shift &+= 8
            }
        }
        let words = (count &- index) / 8
        var k = 0
        #if _endian(little)
        // Eight words a store, as eight lanes of one vector (the lanes' bytes in memory are the
        // words' little-endian bytes, in order): one bounds check per 64 bytes, and the lanes
        // advance by an add each (no multiply in the loop).
        let blocks = words / 8
        if blocks > 0 {
            // The points of eight consecutive words from the first's: x + (0, γ, 2γ, …, 7γ).
            var lanes = SIMD8<UInt64>(repeating: x) &+ SIMD8<UInt64>(0, 1, 2, 3, 4, 5, 6, 7) &* gamma
            let step = SIMD8<UInt64>(repeating: 8 &* gamma)
            for block in 0..<blocks {
                buffer.storeBytes(of: lanes ^ (lanes &>> 29), toByteOffset: index &+ block &* 64, as: SIMD8<UInt64>.self)
                lanes &+= step
            }
            k = blocks &* 8
            x &+= UInt64(truncatingIfNeeded: k) &* gamma
        }
        #endif
        // The rest word by word.
        while k < words {
            buffer.storeBytes(of: word(x).littleEndian, toByteOffset: index &+ k &* 8, as: UInt64.self)
            x &+= gamma
            k &+= 1
        }
        index &+= words &* 8
        if index < count {
            let value = word(x)
            var shift: UInt64 = 0
            while index < count {
                buffer.storeBytes(of: UInt8(truncatingIfNeeded: value &>> shift), toByteOffset: index, as: UInt8.self)
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
        let raw = bytes.span.bytes
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var offset = 0
        while offset + 8 <= raw.byteCount {
            hash ^= RawSpanReader.word(raw, at: offset)
            hash = hash &* 0x100_0000_01b3
            offset += 8
        }
        while offset < raw.byteCount {
            hash ^= UInt64(bytes[offset])
            hash = hash &* 0x100_0000_01b3
            offset += 1
        }
        return hash
    }
}
