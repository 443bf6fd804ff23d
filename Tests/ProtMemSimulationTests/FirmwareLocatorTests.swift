import Foundation
import ProtMemSimulation
import Testing

/// Where `protmem simulate` takes its firmware from when none is named: the real image fetched
/// into `Boards/real` or the test copy in `shared/data`, found walking up, else the synthetic one.
@Suite struct FirmwareLocatorTests {
    /// A fresh folder tree under the temporary directory (which has no `shared/data` above it),
    /// with `files` (relative path and bytes) written; the caller removes it.
    static func tree(_ files: [(String, [UInt8])]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-firmware-\(UUID().uuidString)")
        for (path, bytes) in files {
            let file = root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(bytes).write(to: file)
        }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("a/b"), withIntermediateDirectories: true)
        return root
    }

    static let fetched: [UInt8] = [1, 2, 3], shared: [UInt8] = [4, 5, 6]

    @Test func theFetchedImageIsFoundFromBelowTheCheckout() throws {
        let root = try Self.tree([("checkout/Boards/real/firmware/mali/arch10.8/mali_csffw.bin", Self.fetched)])
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("checkout/Sources/x"), withIntermediateDirectories: true)
        let image = try FirmwareLocator.load(nil, searchingFrom: root.appendingPathComponent("checkout/Sources/x"))
        #expect(image.bytes == Self.fetched)
        #expect(image.origin == "arch10.8/mali_csffw.bin (linux-firmware, Mali-G610)")
    }

    @Test func theNearestFolderWinsAndBoardsRealComesFirstInIt() throws {
        let root = try Self.tree([
            ("checkout/Boards/real/firmware/mali/arch10.8/mali_csffw.bin", Self.fetched),
            ("checkout/shared/data/firmware/mali/arch10.8/mali_csffw.bin", Self.shared),
            ("shared/data/firmware/mali/arch10.8/mali_csffw.bin", Self.shared),
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try FirmwareLocator.load(nil, searchingFrom: root.appendingPathComponent("checkout")).bytes == Self.fetched)
        // A checkout without the fetched folder finds the shared copy beside it.
        try FileManager.default.createDirectory(at: root.appendingPathComponent("other"), withIntermediateDirectories: true)
        #expect(try FirmwareLocator.load(nil, searchingFrom: root.appendingPathComponent("other")).bytes == Self.shared)
    }

    @Test func withNeitherTheSyntheticImageRuns() throws {
        let root = try Self.tree([])
        defer { try? FileManager.default.removeItem(at: root) }
        let image = try FirmwareLocator.load(nil, searchingFrom: root.appendingPathComponent("a/b"))
        #expect(image.bytes == SyntheticFirmware.image)
        #expect(image.origin == "synthetic (real images' layout; neither Boards/real nor ../shared/data found)")
    }

    @Test func aNamedFileWinsOrFailsWithItsPath() throws {
        let root = try Self.tree([("Boards/real/firmware/mali/arch10.8/mali_csffw.bin", Self.fetched), ("mine.bin", Self.shared)])
        defer { try? FileManager.default.removeItem(at: root) }
        let path = root.appendingPathComponent("mine.bin").path
        let named = try FirmwareLocator.load(path, searchingFrom: root)
        #expect(named.bytes == Self.shared && named.origin == path)
        #expect(throws: SimulationError.self) { try FirmwareLocator.load(root.appendingPathComponent("none.bin").path, searchingFrom: root) }
    }
}
