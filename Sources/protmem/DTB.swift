import ArgumentParser
import Foundation
import ProtMemDeviceTree
import ProtMemSimulation

/// `protmem dtb`: device tree blobs read, rewritten and overlaid by the
/// model's own parser, writer and overlay code (no dtc involved).
struct DTB: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dtb",
        abstract: "Read, rewrite and apply overlays to device tree blobs.",
        subcommands: [Dump.self, Roundtrip.self, Apply.self]
    )

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a blob as device tree source, as `dtc -I dtb -O dts` would."
        )

        @Argument(help: "The blob (.dtb or .dtbo).")
        var file: String

        func run() throws {
            print(try DTBFile.read(file).sourceText(), terminator: "")
        }
    }

    struct Roundtrip: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a blob and write it back (a strict validity check and normaliser)."
        )

        @Argument(help: "The blob to read.")
        var input: String

        @Argument(help: "Where to write the rewritten blob.")
        var output: String

        func run() throws {
            try DTBFile.write(FlattenedDeviceTree.serialize(DTBFile.read(input)), to: output)
        }
    }

    struct Apply: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Apply overlays to a base blob in order, as `fdtoverlay` does."
        )

        @Argument(help: "The base blob.")
        var base: String

        @Argument(help: "Overlay blobs (.dtbo), applied in order.")
        var overlays: [String]

        @Option(name: .shortAndLong, help: "Where to write the resulting blob.")
        var output: String

        func run() throws {
            let tree = try DTBFile.read(base)
            let overlayTrees = try overlays.map(DTBFile.read)
            let result: DeviceTree
            do {
                result = try tree.applying(overlays: overlayTrees)
            } catch {
                throw DTBFile.failure("\(overlays[error.overlayIndex]): cannot apply: \(error.reason) (\(error.code.name))")
            }
            try DTBFile.write(FlattenedDeviceTree.serialize(result), to: output)
        }
    }
}

/// File handling shared by the `dtb` subcommands: every failure is one line
/// on standard error naming the file, then exit status 1.
enum DTBFile {
    static func read(_ path: String) throws -> DeviceTree {
        let bytes: [UInt8]
        do {
            bytes = try HostFile.read(path)
        } catch {
            throw failure("\(error)")
        }
        do {
            return try FlattenedDeviceTree.parse(bytes)
        } catch {
            throw failure("\(path): \(error)")
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try HostFile.write(bytes, to: path)
        } catch {
            throw failure("\(error)")
        }
    }

    /// Prints `message` to standard error and returns the exit to throw.
    static func failure(_ message: String) -> ExitCode {
        Diagnostics.print("protmem: \(message)")
        return .failure
    }
}

/// Messages on standard error. One with a place in a file is written as compilers write it,
/// `FILE:LINE:COLUMN: error: MESSAGE`, with nothing before it (scenario and ABI-script
/// errors); one without, `protmem: MESSAGE`.
enum Diagnostics {
    static func print(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Prints a located message (already `FILE:…: error: …`) and returns the exit to throw.
    static func located(_ message: String) -> ExitCode {
        print(message)
        return .failure
    }
}
