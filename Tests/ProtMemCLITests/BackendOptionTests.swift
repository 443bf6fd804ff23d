import Foundation
import Testing

/// `--backend`: `model` is the default and the same as leaving it out; `linux` runs on the
/// machine's kernel, and says clearly when it has no `/dev/dma_heap`.
@Suite struct BackendOptionTests {
    static let hasDMAHeaps = FileManager.default.fileExists(atPath: "/dev/dma_heap")

    @Test func modelIsTheDefault() throws {
        let script = ABIRunCommandTests.examples.appendingPathComponent("sync.jsonl").path
        let plain = try runProtMem(["abi", "run", script])
        let model = try runProtMem(["abi", "run", "--backend", "model", script])
        #expect(plain.status == 0 && model.status == 0)
        #expect(model.stdout == plain.stdout && !plain.stdout.isEmpty)
        #expect(try runProtMem(["heaps", "--backend", "model"]).stdout == (try runProtMem(["heaps"])).stdout)
    }

    @Test func unknownBackendIsAnArgumentError() throws {
        let result = try runProtMem(["heaps", "--backend", "vulkan"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("vulkan"), "\(result.stderr)")
    }

    @Test(.enabled(if: !hasDMAHeaps, "this machine has /dev/dma_heap"))
    func linuxWithoutDMAHeapsNamesThePath() throws {
        let script = ABIRunCommandTests.examples.appendingPathComponent("alloc.jsonl").path
        for arguments in [["heaps", "--backend", "linux"], ["abi", "run", "--backend", "linux", script]] {
            let result = try runProtMem(arguments)
            #expect(result.status == 1, "\(arguments)")
            #expect(result.stdout.isEmpty)
            #expect(result.stderr.hasPrefix("protmem: --backend linux: cannot list /dev/dma_heap (ENOENT"), "\(result.stderr)")
        }
    }

    @Test(.enabled(if: hasDMAHeaps, "needs /dev/dma_heap"))
    func linuxListsTheKernelsHeaps() throws {
        let result = try runProtMem(["heaps", "--backend", "linux", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let names = try JSONDecoder().decode([[String: String]].self, from: Data(result.stdout.utf8)).compactMap { $0["name"] }
        let listed = try FileManager.default.contentsOfDirectory(atPath: "/dev/dma_heap").sorted()
        #expect(names == listed)
    }

    @Test func linuxTakesNoBoard() throws {
        let result = try runProtMem(["heaps", "--backend", "linux", "--board", "x.dtb"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("takes no board blob"), "\(result.stderr)")
    }
}
