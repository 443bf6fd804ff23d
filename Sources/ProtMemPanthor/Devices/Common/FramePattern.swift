/// Deterministic frame contents: what a decoder or a sensor would produce, reduced to bytes
/// that depend only on (stream, frame), so a consumer can check it saw the right frame.
///
/// Both functions work a 64-bit word at a time: they run once per frame in every playback,
/// so they are on the simulation's hot path.
public enum FramePattern {
    /// `count` bytes of frame `frame` of stream `stream` (SplitMix64 words, little-endian).
    public static func bytes(stream: UInt64, frame: UInt64, count: Int) -> [UInt8] {
        var state = stream &* 0x9e37_79b9_7f4a_7c15 ^ frame &* 0xbf58_476d_1ce4_e5b9
        return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            while index < count {
                state &+= 0x9e37_79b9_7f4a_7c15
                var z = state
                z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
                z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
                z ^= z >> 31
                if index + 8 <= count {
                    UnsafeMutableRawPointer(buffer.baseAddress! + index).storeBytes(of: z.littleEndian, as: UInt64.self)
                    index += 8
                } else {
                    for shift in stride(from: 0, to: 64, by: 8) where index < count {
                        buffer[index] = UInt8(truncatingIfNeeded: z >> UInt64(shift))
                        index += 1
                    }
                }
            }
            initialized = count
        }
    }

    /// ``bytes(stream:frame:count:)`` and their ``checksum(_:)`` in one pass: the checksum's
    /// serial multiply chain overlaps the generation's independent ones, where two passes would
    /// run one after the other.
    public static func bytesAndChecksum(stream: UInt64, frame: UInt64, count: Int) -> (bytes: [UInt8], checksum: UInt64) {
        var state = stream &* 0x9e37_79b9_7f4a_7c15 ^ frame &* 0xbf58_476d_1ce4_e5b9
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var index = 0
            while index < count {
                state &+= 0x9e37_79b9_7f4a_7c15
                var z = state
                z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
                z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
                z ^= z >> 31
                if index + 8 <= count {
                    UnsafeMutableRawPointer(buffer.baseAddress! + index).storeBytes(of: z.littleEndian, as: UInt64.self)
                    hash = (hash ^ z) &* 0x100_0000_01b3
                    index += 8
                } else {
                    for shift in stride(from: 0, to: 64, by: 8) where index < count {
                        let byte = UInt8(truncatingIfNeeded: z >> UInt64(shift))
                        buffer[index] = byte
                        hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
                        index += 1
                    }
                }
            }
            initialized = count
        }
        return (bytes, hash)
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
