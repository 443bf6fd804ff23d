import Foundation

/// Locates the project's shared test data (`shared/data/dtb`), which lives
/// beside the package (`../shared/data` from the package root) rather than in
/// it, so the same tests work in this package and in the main ProtMem package.
enum SharedData {
    /// Message printed when the data is missing, so a skipped run is visible
    /// in the log instead of silently green.
    static let skipMessage = "SKIP: ../shared/data absent"

    /// The first `shared/data/dtb` found walking up from this source file.
    static let dtbDirectory: URL? = findDTBDirectory(startingAt: #filePath)

    static func findDTBDirectory(startingAt filePath: String) -> URL? {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent("shared/data/dtb", isDirectory: true)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    /// Whether the data is there; prints the skip message when it is not.
    static func isAvailable() -> Bool {
        if dtbDirectory == nil { print(skipMessage) }
        return dtbDirectory != nil
    }

    /// Every `*.dtb` under the directory, sorted for a stable order.
    static var blobFiles: [URL] {
        guard let dtbDirectory,
              let enumerator = FileManager.default.enumerator(at: dtbDirectory, includingPropertiesForKeys: nil)
        else { return [] }
        var files: [URL] = []
        for case let url as URL in enumerator where url.pathExtension == "dtb" {
            files.append(url)
        }
        return files.sorted { $0.path < $1.path }
    }

    static func blob(named fileName: String) -> URL? {
        blobFiles.first { $0.lastPathComponent == fileName }
    }

    static func bytes(of url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}
