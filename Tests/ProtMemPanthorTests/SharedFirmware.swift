import Foundation

/// Locates the real firmware images in `shared/data/firmware/mali`, which lives beside the
/// package rather than in it, by walking up from this source file.
enum SharedFirmware {
    static let skipMessage = "SKIP: ../shared/data absent"

    static let directory: URL? = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent("shared/data/firmware/mali", isDirectory: true)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }()

    /// Whether the data is there; prints the skip message when it is not.
    static func isAvailable() -> Bool {
        if directory == nil { print(skipMessage) }
        return directory != nil
    }

    /// Every `*/mali_csffw.bin`, sorted by architecture directory.
    static var images: [URL] {
        guard let directory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else { return [] }
        return names.sorted().map { directory.appendingPathComponent($0).appendingPathComponent("mali_csffw.bin") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    static func bytes(of url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}

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
