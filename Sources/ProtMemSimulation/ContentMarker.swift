import ProtMemMemory
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The tag every piece of protected content carries in the simulation: 8 bytes of magic
/// (`PROTMEM!`) and the 8-byte id of the content, little-endian. Devices that produce
/// protected content (a decoder's frame, a camera's capture) write markers into it; seeing
/// one anywhere it must not be is how a leak is caught without tracking every byte.
public enum ContentMarker {
    public static let magic: [UInt8] = Array("PROTMEM!".utf8)
    public static let size = 16

    public static func bytes(id: UInt64) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            write(id: id, into: UnsafeMutableRawBufferPointer(buffer))
            initialized = size
        }
    }

    /// The marker for `id` written into the first ``size`` bytes of `buffer` (a device writes
    /// one per frame, so it goes straight where it belongs rather than through an array).
    public static func write(id: UInt64, into buffer: UnsafeMutableRawBufferPointer) {
        precondition(buffer.count >= size, "a content marker needs \(size) bytes")
        buffer.storeBytes(of: magicWord, as: UInt64.self)
        buffer.storeBytes(of: id.littleEndian, toByteOffset: 8, as: UInt64.self)
    }

    /// The magic as the little-endian word it reads as in memory ("PROTMEM!" is 50 52 4f 54
    /// 4d 45 4d 21): a constant, so a scan reads no lazily initialised global.
    static let magicWord: UInt64 = 0x214d_454d_544f_5250

    /// Up to this many bytes ``firstID(in:)`` compares a word at every place a marker could
    /// start rather than asking `memchr` for candidates.
    static let directScanLimit = 24

    /// The id of the first complete marker in `data`, or `nil`. `memchr` finds candidates for
    /// the magic's first byte, so a large read costs about what copying it did.
    public static func firstID(in data: UnsafeRawBufferPointer) -> UInt64? {
        guard let base = data.baseAddress, data.count >= size else { return nil }
        // A few places a marker could start (a 16-byte firmware record has one): comparing
        // each word in place costs less than the call into `memchr` that finds none.
        if data.count <= directScanLimit {
            for position in 0...(data.count - size) where data.loadUnaligned(fromByteOffset: position, as: UInt64.self) == magicWord {
                return UInt64(littleEndian: data.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self))
            }
            return nil
        }
        var offset = 0
        while offset + size <= data.count {
            guard let hit = memchr(base + offset, Int32(UInt8(ascii: "P")), data.count - size + 1 - offset) else { return nil }
            let position = UnsafeRawPointer(hit) - base
            if data.loadUnaligned(fromByteOffset: position, as: UInt64.self) == magicWord {
                return UInt64(littleEndian: data.loadUnaligned(fromByteOffset: position + 8, as: UInt64.self))
            }
            offset = position + 1
        }
        return nil
    }
}
