/// Deterministic frame contents: what a decoder or a sensor would produce, reduced to bytes
/// that depend only on (stream, frame), so a consumer can check it saw the right frame.
public enum FramePattern {
    /// `count` bytes of frame `frame` of stream `stream`.
    public static func bytes(stream: UInt64, frame: UInt64, count: Int) -> [UInt8] {
        var state = stream &* 0x9e37_79b9_7f4a_7c15 ^ frame &* 0xbf58_476d_1ce4_e5b9
        var bytes = [UInt8](repeating: 0, count: count)
        var index = 0
        while index < count {
            state &+= 0x9e37_79b9_7f4a_7c15
            var z = state
            z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
            z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
            z ^= z >> 31
            for shift in stride(from: 0, to: 64, by: 8) where index < count {
                bytes[index] = UInt8(truncatingIfNeeded: z >> UInt64(shift))
                index += 1
            }
        }
        return bytes
    }

    /// FNV-1a, 64-bit: the checksum a display's CRC unit would report, in spirit.
    public static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}
