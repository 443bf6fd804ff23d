import Foundation

/// Where the firmware image for a run comes from: a file the user names, else the real
/// Mali-G610 image, found walking up from the working directory in either of the places it
/// is kept (``realImages``), else ``SyntheticFirmware`` (with the same section layout).
public enum FirmwareLocator {
    /// Where the real arch10.8 image lies, relative to a folder on the walk, in the order tried in
    /// each folder: what `Scripts/fetch-boards.sh` fetches from Debian's `firmware-misc-nonfree`
    /// into the checkout (git-ignored), and the project's test copy in `shared/data` beside it.
    public static let realImages = [
        "Boards/real/firmware/mali/arch10.8/mali_csffw.bin",
        "shared/data/firmware/mali/arch10.8/mali_csffw.bin",
    ]

    /// The image at `path`, or the real one found from `directory` (the working directory by
    /// default) or one of its ancestors, or the synthetic one; with a line saying which.
    public static func load(_ path: String?, searchingFrom directory: URL? = nil) throws(SimulationError) -> (bytes: [UInt8], origin: String) {
        if let path {
            do {
                return (try HostFile.read(path), path)
            } catch {
                throw SimulationError("\(error)")
            }
        }
        var directory = directory ?? URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            for image in realImages {
                if let data = FileManager.default.contents(atPath: directory.appendingPathComponent(image).path) {
                    return ([UInt8](data), "arch10.8/mali_csffw.bin (linux-firmware, Mali-G610)")
                }
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        return (SyntheticFirmware.image, "synthetic (real images' layout; neither Boards/real nor ../shared/data found)")
    }
}
