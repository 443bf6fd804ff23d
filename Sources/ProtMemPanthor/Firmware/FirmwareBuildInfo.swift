/// A BUILD_INFO_METADATA entry (`struct panthor_fw_build_info_hdr`): where in the file the
/// build metadata lies, and what panthor made of it.
///
/// Only a body shorter than its 8-byte header is fatal; every other problem panthor logs and
/// carries on from, so it is recorded here as a status rather than thrown.
public struct FirmwareBuildInfo: Hashable, Sendable {
    /// The bytes panthor expects at `metaStart`.
    public static let gitSHAPrefix: [UInt8] = Array("git_sha: ".utf8)

    public enum Status: Hashable, Sendable {
        /// The metadata is `git_sha: ` followed by a NUL-terminated string; panthor logs
        /// "Firmware git sha: %s", which prints the bytes after the prefix up to the first NUL.
        case gitSHA([UInt8])
        /// `meta_start` or `meta_start + meta_size` lies past the file ("Firmware build info
        /// corrupt"). The kernel adds in 32 bits, so a sum that wraps slips past its check and
        /// reads out of bounds; the model adds without wrapping and reports it here instead.
        case corrupt
        /// The bytes at `meta_start` are not `git_sha: ` (or the file ends inside them, where the
        /// kernel's memcmp would read past the buffer): metadata panthor does not understand.
        case unrecognized
        /// The prefix matches but the last byte of the range is not NUL ("Firmware's git sha is
        /// not NULL terminated").
        case notNULTerminated
    }

    public let entryIndex: Int
    public let entryOffset: Int
    public let metaStart: UInt32
    public let metaSize: UInt32
    public let status: Status

    /// What panthor prints after "Firmware git sha: ", when it prints anything. Bytes that are
    /// not UTF-8 are replaced, as a terminal would show them.
    public var gitSHA: String? {
        guard case .gitSHA(let bytes) = status else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Applies panthor_fw_read_build_info's checks, in its order, to the range the entry names.
    static func interpret(metaStart: UInt32, metaSize: UInt32, in file: [UInt8]) -> Status {
        let start = Int(metaStart), end = Int(metaStart) + Int(metaSize)
        guard start <= file.count, end <= file.count else { return .corrupt }
        let prefixEnd = start + gitSHAPrefix.count
        guard prefixEnd <= file.count, file[start..<prefixEnd].elementsEqual(gitSHAPrefix) else {
            return .unrecognized
        }
        // The kernel checks the byte before `end`; the prefix is NUL-free, so a NUL there means
        // the range runs past the prefix and the string below stops inside the range.
        guard end >= 1, file[end - 1] == 0 else { return .notNULTerminated }
        let text = file[prefixEnd...].prefix { $0 != 0 }
        return .gitSHA(Array(text))
    }
}
