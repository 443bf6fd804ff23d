import ArgumentParser
import Foundation
import ProtMemPanthor
import ProtMemSimulation

/// `protmem firmware`: tools for Mali CSF firmware images.
struct Firmware: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Inspect Mali CSF firmware images (mali_csffw.bin) with panthor's rules.",
        subcommands: [Inspect.self]
    )

    /// `protmem firmware inspect FILE`: parses an image as panthor would and lists its sections.
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Parse a firmware image and print its version, sections and build info.",
            discussion: """
                A file panthor would refuse exits with status 1 and the reason (entry, byte offset, \
                rule) on stderr. build_info is what panthor logs after "Firmware git sha: ": the bytes \
                after the "git_sha: " prefix up to the NUL, unchanged (linux-firmware's strings end in a \
                space); null when the image has no build info panthor understands.
                """
        )

        @Argument(help: "The firmware image, e.g. arm/mali/arch10.8/mali_csffw.bin.")
        var file: String

        @Flag(help: """
            Print {"version": {"major", "minor"}, "sections": [{"name_hex", "flags", "va_start", "va_end", \
            "data_start", "data_end", "protected", "shared", "zero"}], "build_info"} on one line.
            """)
        var json = false

        func run() throws {
            let bytes = try readFile()
            let image: FirmwareImage
            do {
                image = try FirmwareImage.parse(bytes)
            } catch {
                FileHandle.standardError.write(Data("protmem: \(file): \(error)\n".utf8))
                throw ExitCode(1)
            }
            print(json ? FirmwareReport.json(image) : FirmwareReport.table(image, path: file))
        }

        private func readFile() throws -> [UInt8] {
            do {
                return try HostFile.read(file)
            } catch {
                throw DTBFile.failure("\(error)")
            }
        }
    }
}
