import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

/// Mutation fuzzing: thousands of corrupted variants of a real and a small
/// blob must each parse or throw `DeviceTreeError`, never trap or hang.
@Suite("Fuzzed blobs")
struct FuzzTests {
    /// The bound is on work, not on time: a fixed number of mutations, each of which must
    /// end (the parser's termination is its own guarantee: every token consumes 4 bytes of
    /// a bounded block). A wall-clock limit fails under sanitizers and on a busy machine,
    /// and a slow parser shows up in the fuzz targets' exec/s instead (Scripts/fuzz.sh).
    static let iterations = 5000

    struct Outcome {
        var parsed = 0
        var rejected = 0
        var problems: [String] = []
    }

    /// Applies one random mutation: truncation, bit flips, a header field
    /// overwritten, or a structure-block word (token, length or nameoff)
    /// overwritten with a random or boundary value.
    static func mutate(_ original: [UInt8], rng: inout XorShiftRandom) -> [UInt8] {
        var blob = original
        let structureOffset = Int(original.word(at: 8))
        let structureSize = Int(original.word(at: 36))
        let boundaries: [UInt32] = [
            0, 1, 2, 3, 4, 7, 8, 9, 16, 35, 36, 39, 40, 0x7fff_ffff, 0x8000_0000, 0xffff_fffc, 0xffff_ffff,
            UInt32(original.count), UInt32(original.count) - 1, UInt32(original.count) + 1,
            UInt32(structureOffset), UInt32(structureSize), UInt32(structureOffset + structureSize),
        ]
        switch rng.below(5) {
        case 0:
            // Truncation, biased towards the header where every field matters.
            let length = rng.below(4) == 0 ? rng.below(64) : rng.below(original.count)
            blob = Array(original.prefix(length))
        case 1:
            for _ in 0...rng.below(8) {
                let index = rng.below(blob.count)
                blob[index] ^= UInt8(1) << UInt8(rng.below(8))
            }
        case 2:
            let field = rng.below(10) * 4
            blob.setWord(rng.below(2) == 0 ? rng.pick(boundaries) : rng.word(), at: field)
        case 3:
            let word = structureOffset + rng.below(structureSize / 4) * 4
            blob.setWord(rng.pick([0, 1, 2, 3, 4, 5, 9, 0x10, 0xffff_ffff, rng.word()]), at: word)
        default:
            for _ in 0...rng.below(3) {
                let word = structureOffset + rng.below(structureSize / 4) * 4
                blob.setWord(rng.below(2) == 0 ? rng.pick(boundaries) : rng.word(), at: word)
            }
        }
        return blob
    }

    static func run(_ seedBlob: [UInt8], iterations: Int, seed: UInt64) -> Outcome {
        var rng = XorShiftRandom(seed: seed)
        var outcome = Outcome()
        for iteration in 0..<iterations {
            let blob = mutate(seedBlob, rng: &rng)
            do {
                let tree = try FlattenedDeviceTree.parse(blob)
                outcome.parsed += 1
                // Whatever parses must also rewrite into a blob that parses
                // back to the same tree.
                let rewritten = FlattenedDeviceTree.serialize(tree)
                var expected = tree
                expected.version = FlattenedDeviceTree.writtenVersion
                expected.lastCompatibleVersion = FlattenedDeviceTree.writtenLastCompatibleVersion
                if (try? FlattenedDeviceTree.parse(rewritten)) != expected {
                    outcome.problems.append("iteration \(iteration): rewrite does not parse back to the same tree")
                }
            } catch {
                outcome.rejected += 1
                if error.offset < 0 || error.offset > blob.count || error.expected.isEmpty
                    || !error.description.hasPrefix("FDT byte 0x") {
                    outcome.problems.append("iteration \(iteration): odd error \(error)")
                }
            }
        }
        return outcome
    }

    @Test("5000 mutations of a small blob parse or throw DeviceTreeError")
    func mutationsOfAHandBuiltBlob() throws {
        Self.expectMutations(of: TestTrees.boardBlob, named: "hand-built", iterations: Self.iterations, seed: 0x5eed_0001)
    }

    @Test("3500 mutations of rock-5b parse or throw DeviceTreeError", .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
    func mutationsOfTheRealBlob() throws {
        let rock5b = try #require(SharedData.dtb(named: "rk3588-rock-5b.dtb"))
        Self.expectMutations(of: try SharedData.bytes(of: rock5b), named: "rk3588-rock-5b.dtb", iterations: Self.iterations * 7 / 10, seed: 0x5eed_0000)
    }

    static func expectMutations(of bytes: [UInt8], named name: String, iterations: Int, seed: UInt64) {
        let outcome = run(bytes, iterations: iterations, seed: seed)
        print("fuzz \(name): \(outcome.parsed) parsed, \(outcome.rejected) rejected")
        #expect(outcome.problems.isEmpty, "\(name): \(outcome.problems.prefix(5))")
        #expect(outcome.rejected > 0)
        #expect(outcome.parsed + outcome.rejected == iterations)
    }
}
