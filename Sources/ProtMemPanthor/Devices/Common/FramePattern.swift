/// Deterministic frame contents: what a decoder or a sensor would produce, reduced to bytes
/// that depend only on (stream, frame), so a consumer can check it saw the right frame.
///
/// Everything here works a 64-bit word at a time: it runs once per frame in every playback,
/// so it is on the simulation's hot path.
public enum FramePattern {
    /// `count` bytes of frame `frame` of stream `stream` (SplitMix64 words, little-endian).
    public static func bytes(stream: UInt64, frame: UInt64, count: Int) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            fill(UnsafeMutableRawBufferPointer(buffer), stream: stream, frame: frame)
            initialized = count
        }
    }

    /// Writes bytes `[offset, offset + buffer.count)` of frame `frame` of stream `stream` into
    /// `buffer`: the same bytes as ``bytes(stream:frame:count:)``, generated where they go (a
    /// device writing its output straight into DRAM), for any piece of a scattered buffer.
    public static func fill(_ buffer: UnsafeMutableRawBufferPointer, stream: UInt64, frame: UInt64, offset: UInt64 = 0) {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return }
        // Word k holds bytes [8k, 8k + 8) and is generated from the seed plus k + 1 steps.
        var state = (stream &* 0x9e37_79b9_7f4a_7c15 ^ frame &* 0xbf58_476d_1ce4_e5b9) &+ (offset / 8) &* 0x9e37_79b9_7f4a_7c15
        let count = buffer.count
        var index = 0
        // The rest of the word the piece starts inside, then whole words in a loop with no
        // other test in it, then the start of the word it ends inside.
        if offset % 8 != 0 {
            let word = next(&state)
            var shift = offset % 8 &* 8
            while shift < 64, index < count {
                base.storeBytes(of: UInt8(truncatingIfNeeded: word &>> shift), toByteOffset: index, as: UInt8.self)
                index &+= 1
                shift &+= 8
            }
        }
        var cursor = base + index
        for _ in 0..<((count &- index) / 8) {
            cursor.storeBytes(of: next(&state).littleEndian, as: UInt64.self)
            cursor += 8
        }
        index = cursor - base
        if index < count {
            let word = next(&state)
            var shift: UInt64 = 0
            while index < count {
                base.storeBytes(of: UInt8(truncatingIfNeeded: word &>> shift), toByteOffset: index, as: UInt8.self)
                index &+= 1
                shift &+= 8
            }
        }
    }

    /// One SplitMix64 step.
    @inline(__always)
    static func next(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z &>> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z &>> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z &>> 31)
    }

    /// The ``checksum(_:)`` of ``bytes(stream:frame:count:)``, without the bytes: the pattern
    /// depends only on its arguments, so its checksum can be had whenever it is asked for.
    public static func checksum(stream: UInt64, frame: UInt64, count: Int) -> UInt64 {
        var state = stream &* 0x9e37_79b9_7f4a_7c15 ^ frame &* 0xbf58_476d_1ce4_e5b9
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var index = 0
        while index < count {
            let z = next(&state)
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
