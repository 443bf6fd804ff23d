import Foundation
import ProtMemTestSupport
import Testing

/// A scenario's `board:` paths: relative ones from the scenario file's folder, absolute ones as
/// they are.
@Suite struct SimulateBoardPathTests {
    static let blob = BoardBlobs.builtBlob("protmem-default.dtb")

    func run(board path: String, in directory: URL) throws -> (status: Int32, stdout: String, stderr: String) {
        let scenario = directory.appendingPathComponent("scenario.yaml")
        try """
        name: board-path
        board: {blob: "\(path)"}
        duration: 20ms
        workloads:
          - {kind: trusted-ui, resolution: 640x480, frame_rate: 30}
        """.write(to: scenario, atomically: true, encoding: .utf8)
        return try runProtMem(["simulate", "--scenario", scenario.path, "--json"])
    }

    @Test(.enabled(if: blob != nil, "dtc absent: Boards/protmem-default.dts is not built"))
    func absoluteAndRelativeBlobPathsBothResolve() throws {
        let blob = try #require(Self.blob)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("protmem-board-path-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: blob, to: directory.appendingPathComponent("board.dtb"))

        let absolute = try run(board: blob.path, in: directory)
        #expect(absolute.status == 0, "\(absolute.stderr)")
        let relative = try run(board: "board.dtb", in: directory)
        #expect(relative.status == 0, "\(relative.stderr)")
        #expect(absolute.stdout.contains("protmem-default") && relative.stdout.contains("protmem-default"))
    }
}
