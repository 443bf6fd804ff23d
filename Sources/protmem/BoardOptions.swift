import ArgumentParser
import Foundation
import ProtMemBoard
import ProtMemDeviceTree

/// `[FILE]`, `--board FILE` and `--overlay F`: where a command's board comes from. Shared by every
/// command that takes a board (`board`, `heaps`, `simulate`, `compare`), so each accepts the blob
/// both ways: as its positional argument or with `--board`, but not both.
struct BoardOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The board's device tree blob (.dtb), as with --board.", valueName: "board"))
    var file: String?

    @Option(name: .customLong("board"), help: ArgumentHelp(
        "A device tree blob (.dtb) describing the board, or a built-in variant (builtin:optee-dynamic, builtin:mediatek, builtin:hypervisor); without one, the built-in default board.",
        valueName: "file"))
    var board: String?

    @Option(name: .customLong("overlay"), help: ArgumentHelp(
        "An overlay blob (.dtbo) applied to the board blob, as fdtoverlay applies it; repeat for several, applied in order.",
        valueName: "file"))
    var overlays: [String] = []

    func validate() throws {
        if file != nil && board != nil {
            throw ValidationError("give the board blob once: as an argument or with --board, not both")
        }
    }

    /// The board blob named, either way; `nil` for the built-in default board.
    var path: String? { file ?? board }

    /// The board blob named by the positional argument or `--board`, with the overlays applied
    /// and built; the built-in default board when there is none.
    func load() throws -> LoadedBoard {
        try validate()
        guard let path else {
            guard overlays.isEmpty else { throw ValidationError("--overlay needs a board blob to apply to") }
            return LoadedBoard(description: BoardDescription(describing: .builtinDefault), source: "built-in")
        }
        if path.hasPrefix("builtin:") {
            guard overlays.isEmpty else { throw ValidationError("--overlay applies to a board blob, not to the built-in \(path)") }
            guard let variant = Self.builtinVariants.first(where: { $0.name == path }) else {
                throw ValidationError("unknown built-in board \"\(path)\"; expected one of \(Self.builtinVariants.map(\.name).joined(separator: ", "))")
            }
            return LoadedBoard(description: BoardDescription(describing: variant.configuration), source: "built-in \(variant.configuration.name)")
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

extension BoardOptions {
    /// The built-in default board with one thing changed, by the name `--board` takes.
    static let builtinVariants: [(name: String, configuration: BoardConfiguration)] = [
        ("builtin:optee-dynamic", .builtinOPTEEDynamic), ("builtin:mediatek", .builtinMediaTek), ("builtin:hypervisor", .builtinHypervisor),
    ]
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
