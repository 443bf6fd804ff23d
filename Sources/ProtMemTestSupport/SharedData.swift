import Foundation

/// The project's real test data in `shared/data/` (device tree blobs, Mali firmware images),
/// which lives beside the package rather than in it. It is found by walking up from this
/// source file, so the same tests work from the main checkout and from any worktree beside it.
/// Tests that need it are skipped when it is absent, through Swift Testing's
/// `.enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent")`, which names
/// the test and the reason.
public enum SharedData {
    /// What a test or benchmark that falls back to something else says when the data is missing.
    public static let skipMessage = "SKIP: ../shared/data absent"

    /// `shared/data/dtb`: real device tree blobs, by kernel version and vendor.
    public static let dtbDirectory: URL? = find("shared/data/dtb", startingAt: #filePath)
    /// `shared/data/firmware/mali`: `mali_csffw.bin` images, one folder per architecture.
    public static let firmwareDirectory: URL? = find("shared/data/firmware/mali", startingAt: #filePath)

    /// The first directory at `relativePath` in `filePath`'s folder or one of its ancestors;
    /// `nil` once the walk reaches the file system's root.
    public static func find(_ relativePath: String, startingAt filePath: String) -> URL? {
        var directory = URL(fileURLWithPath: filePath).deletingLastPathComponent()
        while true {
            let candidate = directory.appendingPathComponent(relativePath, isDirectory: true)
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate.path, isDirectory: &isDirectory), isDirectory.boolValue {
                return candidate
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    /// Whether the device tree blobs are there.
    public static func deviceTreesAvailable() -> Bool {
        dtbDirectory != nil
    }

    /// Whether the firmware images are there.
    public static func firmwareAvailable() -> Bool {
        firmwareDirectory != nil
    }

    /// Every `*.dtb` under ``dtbDirectory``, sorted by path for a stable order.
    public static var dtbFiles: [URL] {
        guard let dtbDirectory,
              let enumerator = FileManager.default.enumerator(at: dtbDirectory, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "dtb" }.sorted { $0.path < $1.path }
    }

    /// The blob with this file name (`rk3588-rock-5b.dtb`), wherever it lies under ``dtbDirectory``.
    public static func dtb(named fileName: String) -> URL? {
        dtbFiles.first { $0.lastPathComponent == fileName }
    }

    /// Every `<architecture>/mali_csffw.bin` under ``firmwareDirectory``, sorted by architecture.
    public static var firmwareImages: [URL] {
        guard let firmwareDirectory,
              let names = try? FileManager.default.contentsOfDirectory(atPath: firmwareDirectory.path) else { return [] }
        return names.sorted().map { firmwareDirectory.appendingPathComponent($0).appendingPathComponent("mali_csffw.bin") }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    public static func bytes(of url: URL) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: url))
    }
}
