import ProtMemMemory
import Testing

/// Reading a lent span: bytes and little-endian words at any offset, and the byte search, give
/// what reading the bytes one at a time gives.
@Suite struct RawSpanReaderTests {
    @Test func loadsAndSearchMatchTheBytes() {
        let bytes: [UInt8] = (0..<100).map { UInt8(truncatingIfNeeded: $0 * 13 + 5) } + Array("PROTMEM!".utf8) + [0x50, 0, 0x50]
        let span = bytes.span.bytes
        #expect(RawSpanReader.array(span) == bytes)
        for offset in bytes.indices {
            #expect(RawSpanReader.byte(span, at: offset) == bytes[offset])
            if offset + 8 <= bytes.count {
                let expected = (0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
                #expect(RawSpanReader.word(span, at: offset) == expected)
            }
        }
        for start in stride(from: 0, through: bytes.count, by: 7) {
            for end in stride(from: start, through: bytes.count, by: 5) {
                #expect(RawSpanReader.firstOffset(of: 0x50, in: span, from: start, to: end) == bytes[start..<end].firstIndex(of: 0x50))
            }
        }
        #expect(RawSpanReader.firstOffset(of: 0x50, in: span, from: 0, to: bytes.count) == bytes.firstIndex(of: 0x50))
        #expect(RawSpanReader.array(RawSpan()) == [] && RawSpanReader.firstOffset(of: 0, in: RawSpan(), from: 0, to: 0) == nil)
        RawSpanReader._checkInvariants()
    }
}
