/// Little-endian reads from an image whose bounds the caller has already checked.
///
/// Bounds are checked by the parser against panthor's own limits (the header's `size` for
/// entries, the file size for data ranges) before any read, so that a failure is reported as
/// the rule panthor applies rather than as a generic out-of-range read.
extension [UInt8] {
    @inline(__always)
    func littleEndianWord(at offset: Int) -> UInt32 {
        UInt32(self[offset])
            | UInt32(self[offset + 1]) << 8
            | UInt32(self[offset + 2]) << 16
            | UInt32(self[offset + 3]) << 24
    }
}

/// Formats values the way panthor's messages print them (`%#x`-style), so a model message
/// can be matched against a kernel log or a hex dump by eye.
enum FirmwareHex {
    static func format(_ value: some BinaryInteger) -> String {
        "0x" + String(value, radix: 16)
    }
}
