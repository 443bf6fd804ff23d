/// A deliberately naive reading of the format, written from the layout alone and sharing no
/// code with the parser, so the real-image tests compare two independent readings.
enum IndependentScan {
    struct Interface: Equatable {
        var entryOffset: Int
        var flags: UInt32
        var vaStart: UInt32
        var vaEnd: UInt32
    }

    static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    /// Every type-0 entry, walking entry sizes from byte 20 to the header's size field.
    static func interfaces(_ bytes: [UInt8]) -> [Interface] {
        let end = Int(u32(bytes, 16))
        var offset = 20
        var found: [Interface] = []
        while offset + 4 <= end {
            let word = u32(bytes, offset)
            let size = Int((word >> 8) & 0xff)
            if word & 0xff == 0 {
                found.append(Interface(
                    entryOffset: offset, flags: u32(bytes, offset + 4),
                    vaStart: u32(bytes, offset + 8), vaEnd: u32(bytes, offset + 12)
                ))
            }
            if size == 0 { break }
            offset += size
        }
        return found
    }

    /// The bytes after the first `git_sha: ` in the file, up to the next NUL.
    static func gitSHA(_ bytes: [UInt8]) -> String? {
        let prefix = Array("git_sha: ".utf8)
        guard bytes.count >= prefix.count else { return nil }
        for start in 0...(bytes.count - prefix.count) where bytes[start..<(start + prefix.count)].elementsEqual(prefix) {
            let text = bytes[(start + prefix.count)...].prefix { $0 != 0 }
            return String(decoding: text, as: UTF8.self)
        }
        return nil
    }
}
