import Foundation

/// Where the firmware image for a run comes from: a file the user names, else the real
/// Mali-G610 image in `../shared/data` if it can be found walking up from the working
/// directory, else ``SyntheticFirmware`` (with the same section layout).
public enum FirmwareLocator {
    public static let sharedImage = "shared/data/firmware/mali/arch10.8/mali_csffw.bin"

    public static func load(_ path: String?) throws(SimulationError) -> (bytes: [UInt8], origin: String) {
        if let path {
            do {
                return (try HostFile.read(path), path)
            } catch {
                throw SimulationError("\(error)")
            }
        }
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            let candidate = directory.appendingPathComponent(sharedImage)
            if let data = FileManager.default.contents(atPath: candidate.path) {
                return ([UInt8](data), "arch10.8/mali_csffw.bin (linux-firmware, Mali-G610)")
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return (SyntheticFirmware.image, "synthetic (real images' layout; ../shared/data not found)")
    }
}
