import Foundation

/// Why a file named on the command line cannot be read, in the words `cat` would use.
enum FileReading {
    static func reason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return "no such file" }
        if isDirectory.boolValue { return "is a directory" }
        return FileManager.default.isReadableFile(atPath: path) ? "cannot read it" : "permission denied"
    }
}
