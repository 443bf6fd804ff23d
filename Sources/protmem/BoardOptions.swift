import ArgumentParser
import Foundation
import ProtMemBoard
import ProtMemDeviceTree

/// `--board FILE` and `--overlay F`: where a command's board comes from. Shared by `protmem
/// board` and `protmem heaps`.
struct BoardOptions: ParsableArguments {
    @Option(name: .customLong("board"), help: ArgumentHelp(
        "A device tree blob (.dtb) describing the board; without one, the built-in default board.",
        valueName: "file"))
    var board: String?

    @Option(name: .customLong("overlay"), help: ArgumentHelp(
        "An overlay blob (.dtbo) applied to the board blob, as fdtoverlay applies it; repeat for several, applied in order.",
        valueName: "file"))
    var overlays: [String] = []

    /// The board blob named by `file` (a command's positional argument) or `--board`, with the
    /// overlays applied and built; the built-in default board when there is none.
    func load(file: String? = nil) throws -> LoadedBoard {
        if file != nil && board != nil {
            throw ValidationError("give the board blob once: as an argument or with --board, not both")
        }
        guard let path = file ?? board else {
            guard overlays.isEmpty else { throw ValidationError("--overlay needs a board blob to apply to") }
            return LoadedBoard(description: BoardDescription(describing: .builtinDefault), source: "built-in")
        }
        let tree = try DTBFile.read(path)
        let overlayTrees = try overlays.map(DTBFile.read)
        do {
            let description = try BoardBuilder.build(tree, overlays: overlayTrees)
            return LoadedBoard(description: description, source: ([path] + overlays).joined(separator: " + "))
        } catch {
            if let index = error.overlayIndex {
                throw DTBFile.failure("\(overlays[index]): \(error.reason)")
            }
            throw DTBFile.failure("\(path)\(overlays.isEmpty ? "" : " + overlays"): \(error)")
        }
    }
}

/// A board's description and where it came from.
struct LoadedBoard {
    let description: BoardDescription
    let source: String

    /// The board built, or exit 1 with the reason.
    func build() throws -> Board {
        do {
            return try Board(description.configuration)
        } catch {
            throw DTBFile.failure("\(source): cannot build the board: \(error)")
        }
    }
}
