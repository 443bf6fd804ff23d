import Foundation

/// Why a file named on the command line cannot be read, in the words `cat` would use, or written.
enum FileReading {
    static func reason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory" }
        return FileManager.default.isReadableFile(atPath: path) ? "cannot read it" : "permission denied"
    }

    /// Why `path` cannot be written: the folder it goes in is missing or not a folder (the
    /// commands create no folders), else Foundation's reason.
    static func writeReason(_ path: String, _ error: any Error) -> String {
        var folder = (path as NSString).deletingLastPathComponent
        if folder.isEmpty { folder = "." }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { return "no such directory \(folder)" }
        return isDirectory.boolValue ? error.localizedDescription : "\(folder) is not a directory"
    }
}
