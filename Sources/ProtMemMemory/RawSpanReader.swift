#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reading the bytes of a `RawSpan`: what the bus lends a scan-out engine or an observer.
///
/// Why it must be unsafe: a `RawSpan` has no safe way to read its bytes (the standard library
/// offers `unsafeLoad`/`unsafeLoadUnaligned` only, `unsafe` because they load any type), and
/// the invariant checker's search for content markers over every read needs `memchr`, which
/// takes a pointer. So the loads and the search live here, each fixed to a type every bit
/// pattern of which is valid (`UInt8`, `UInt64`), each bounds-checked with `precondition`
/// (in release builds too) before it reads; nothing reads outside the span.
///
/// Invariants (``_checkInvariants()``): none of its own (it keeps nothing); the check runs
/// each operation on a known span and compares it with the answer read byte by byte, so a
/// host whose `memchr` or byte order the operations misjudge fails at once.
public enum RawSpanReader {
    /// The byte at `offset`.
    @inlinable @inline(__always)
    public static func byte(_ bytes: RawSpan, at offset: Int) -> UInt8 {
        // Bounds-checked by the span (a precondition), and every byte is a valid UInt8.
        bytes.unsafeLoad(fromByteOffset: offset, as: UInt8.self)
    }

    /// The little-endian 64-bit word at `offset` (any alignment).
    @inlinable @inline(__always)
    public static func word(_ bytes: RawSpan, at offset: Int) -> UInt64 {
        // Bounds-checked by the span (a precondition), and every bit pattern is a valid UInt64.
        UInt64(littleEndian: bytes.unsafeLoadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The first offset in `start..<end` whose byte is `byte`, or `nil`: `memchr`, so a
    /// large span costs about what copying it would.
    @inlinable
    public static func firstOffset(of byte: UInt8, in bytes: RawSpan, from start: Int, to end: Int) -> Int? {
        precondition(0 <= start && start <= end && end <= bytes.byteCount, "search range \(start)..<\(end) outside a \(bytes.byteCount)-byte span")
        guard start < end else { return nil }
        return bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, let hit = memchr(base + start, Int32(byte), end - start) else { return nil }
            return UnsafeRawPointer(hit) - base
        }
    }

    /// The bytes of `bytes`, copied into an array.
    public static func array(_ bytes: RawSpan) -> [UInt8] {
        bytes.withUnsafeBytes { Array($0) }
    }

    /// Runs each operation over a known span and checks it against the bytes one at a time.
    public static func _checkInvariants() {
        let probe: [UInt8] = (0..<40).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        probe.withUnsafeBytes { raw in
            let span = RawSpan(_unsafeBytes: raw)
            precondition(array(span) == probe, "RawSpanReader.array copied the wrong bytes")
            for offset in 0..<probe.count {
                precondition(byte(span, at: offset) == probe[offset], "RawSpanReader.byte misread offset \(offset)")
                if offset + 8 <= probe.count {
                    let expected = (0..<8).reduce(UInt64(0)) { $0 | UInt64(probe[offset + $1]) << (8 * UInt64($1)) }
                    precondition(word(span, at: offset) == expected, "RawSpanReader.word misread offset \(offset)")
                }
                for end in offset...probe.count {
                    let expected = probe[offset..<end].firstIndex(of: probe[offset == 0 ? 0 : offset - 1])
                    precondition(firstOffset(of: probe[offset == 0 ? 0 : offset - 1], in: span, from: offset, to: end) == expected,
                                 "RawSpanReader.firstOffset misanswered \(offset)..<\(end)")
                }
            }
        }
    }
}
