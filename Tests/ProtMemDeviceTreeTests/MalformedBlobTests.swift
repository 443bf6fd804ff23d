import ProtMemDeviceTree
import Testing

/// Each malformed case must fail with the byte offset of the offending data
/// and a message naming what was expected there.
@Suite("Malformed blobs")
struct MalformedBlobTests {
    private func parseError(_ blob: [UInt8]) -> DeviceTreeError? {
        do {
            _ = try FlattenedDeviceTree.parse(blob)
            return nil
        } catch {
            return error
        }
    }

    /// Root-only tree with one property, laid out by `RawBlob`.
    private func minimalStructure(nameOffset: UInt32 = 0) -> RawBlob {
        var raw = RawBlob()
        raw.structure.beginNode("")
        raw.structure.property(nameOffset: nameOffset, value: [0, 0, 0, 1])
        raw.structure.endNode()
        raw.structure.end()
        raw.strings = Array("model\0".utf8)
        return raw
    }

    @Test("minimal hand-assembled blob parses")
    func minimalParses() throws {
        let tree = try FlattenedDeviceTree.parse(minimalStructure().build())
        #expect(tree.root.properties == [DeviceTreeProperty(name: "model", cells: [1])])
    }

    @Test("bad magic is reported at offset 0")
    func badMagic() throws {
        var blob = TestTrees.boardBlob
        blob[0] = 0xd1
        let error = try #require(parseError(blob))
        #expect(error.offset == 0)
        #expect(error.description == "FDT byte 0x0: expected magic 0xd00dfeed, found 0xd10dfeed")
    }

    @Test("truncated header names the first missing field", arguments: [
        (0, 0, "magic"), (3, 0, "magic"), (18, 16, "off_mem_rsvmap"), (20, 20, "version"),
        (26, 24, "last_comp_version"),
        (30, 28, "boot_cpuid_phys"), (39, 36, "size_dt_struct"),
    ])
    func truncatedHeader(length: Int, offset: Int, field: String) throws {
        let blob = Array(TestTrees.boardBlob.prefix(length))
        let error = try #require(parseError(blob))
        #expect(error.offset == offset)
        #expect(error.expected == "header field \(field) (4 bytes)")
        #expect(error.found == "end of data (blob is \(length) bytes)")
    }

    @Test("blob shorter than totalsize is reported where the data ends")
    func truncatedBody() throws {
        let blob = Array(TestTrees.boardBlob.dropLast(10))
        let error = try #require(parseError(blob))
        #expect(error.offset == blob.count)
        #expect(error.found == "end of data")
    }

    @Test("off_dt_struct past totalsize")
    func structurePastTotalSize() throws {
        var blob = TestTrees.boardBlob
        blob.setWord(UInt32(blob.count + 8), at: 8)
        let error = try #require(parseError(blob))
        #expect(error.offset == 8)
        #expect(error.expected.hasPrefix("off_dt_struct in 40..."))
        #expect(error.found == "0x" + String(blob.count + 8, radix: 16))
    }

    @Test("size_dt_struct running past totalsize")
    func structureSizePastTotalSize() throws {
        var blob = TestTrees.boardBlob
        blob.setWord(0xffff_fff0, at: 36)
        let error = try #require(parseError(blob))
        #expect(error.offset == 36)
        #expect(error.expected.hasPrefix("size_dt_struct ≤"))
    }

    @Test("misaligned blocks are rejected")
    func misalignedBlocks() throws {
        var blob = TestTrees.boardBlob
        blob.setWord(44, at: 16) // off_mem_rsvmap must be 8-aligned
        #expect(parseError(blob)?.offset == 16)

        blob = TestTrees.boardBlob
        blob.setWord(blob.word(at: 8) + 2, at: 8) // off_dt_struct must be 4-aligned
        #expect(parseError(blob)?.expected == "off_dt_struct aligned to 4 bytes")
    }

    @Test("overlapping structure and strings blocks are rejected")
    func overlappingBlocks() throws {
        var blob = TestTrees.boardBlob
        let structureOffset = blob.word(at: 8)
        blob.setWord(structureOffset + 8, at: 12) // strings inside the structure block
        blob.setWord(8, at: 32)
        let error = try #require(parseError(blob))
        #expect(error.offset == 12)
        #expect(error.expected.hasPrefix("strings block clear of structure block"))
    }

    @Test("versions outside libfdt's window are rejected")
    func versions() throws {
        var blob = TestTrees.boardBlob
        blob.setWord(15, at: 20)
        #expect(parseError(blob) == DeviceTreeError(offset: 20, expected: "version ≥ 16", found: "15"))

        blob = TestTrees.boardBlob
        blob.setWord(18, at: 24)
        blob.setWord(18, at: 20)
        #expect(parseError(blob) == DeviceTreeError(offset: 24, expected: "last_comp_version ≤ 17", found: "18"))

        blob = TestTrees.boardBlob
        blob.setWord(17, at: 24)
        blob.setWord(16, at: 20)
        #expect(parseError(blob)?.expected == "version ≥ last_comp_version (17)")

        // A newer version that declares itself readable as v17 is accepted.
        blob = TestTrees.boardBlob
        blob.setWord(18, at: 20)
        #expect(parseError(blob) == nil)
    }

    @Test("version 16 blobs (no size_dt_struct) parse")
    func version16() throws {
        var raw = minimalStructure()
        raw.version = 16
        let blob = raw.build()
        let header = try FlattenedDeviceTree.header(of: blob)
        #expect(header.structureSize == nil)
        #expect(header.headerSize == 36)
        let tree = try FlattenedDeviceTree.parse(blob)
        #expect(tree.version == 16)
        #expect(tree.root.property(named: "model") != nil)
    }

    @Test("property nameoff outside the strings block")
    func nameOffsetOutsideStrings() throws {
        let raw = minimalStructure(nameOffset: 6)
        let error = try #require(parseError(raw.build()))
        // Header 40 + reservation terminator 16 = struct at 0x38; the property
        // token follows the 4-byte root token and 4-byte empty name, and its
        // nameoff is the third word of the property.
        #expect(error.offset == 0x38 + 8 + 8)
        #expect(error.description == "FDT byte 0x48: expected property name offset < strings block size 0x6, found 0x6")
    }

    @Test("property name not NUL-terminated inside the strings block")
    func unterminatedPropertyName() throws {
        var raw = minimalStructure(nameOffset: 2)
        raw.strings = Array("model".utf8)
        let blob = raw.build()
        let error = try #require(parseError(blob))
        #expect(error.offset == raw.stringsOffset + 2)
        #expect(error.found == "end of strings block")
    }

    @Test("the brief's example: a bad first token")
    func badFirstToken() throws {
        var raw = RawBlob()
        raw.reservations = [(0x1000, 0x1000)]
        raw.structure.appendWord(7)
        raw.structure.end()
        let error = try #require(parseError(raw.build()))
        #expect(error.description == "FDT byte 0x48: expected FDT_BEGIN_NODE token, found 0x00000007")
    }

    @Test("missing FDT_END: wrong token, or structure block ends first")
    func missingEnd() throws {
        var blob = TestTrees.boardBlob
        let header = try FlattenedDeviceTree.header(of: blob)
        let endOffset = Int(header.structureOffset) + Int(header.structureSize ?? 0) - 4
        #expect(blob.word(at: endOffset) == 9)

        blob.setWord(7, at: endOffset)
        #expect(parseError(blob) == DeviceTreeError(offset: endOffset, expected: "FDT_END token", found: "0x00000007"))

        blob.setWord(4, at: endOffset) // FDT_NOP is skipped, then the block ends
        #expect(parseError(blob) == DeviceTreeError(
            offset: endOffset + 4, expected: "FDT_END token", found: "end of structure block"))
    }

    @Test("node name without NUL before the structure block ends")
    func unterminatedNodeName() throws {
        var raw = RawBlob()
        raw.structure.appendWord(1)
        raw.structure.append(contentsOf: Array("root-without-nul".utf8))
        let error = try #require(parseError(raw.build()))
        #expect(error.offset == raw.structureOffset + 4)
        #expect(error.expected == "NUL-terminated node name")
        #expect(error.found == "end of structure block")
    }

    @Test("property value longer than the structure block")
    func propertyTooLong() throws {
        var raw = minimalStructure()
        raw.structure.setWord(0x100, at: 12) // len of the root's property
        let error = try #require(parseError(raw.build()))
        #expect(error.offset == raw.structureOffset + 12)
        #expect(error.found == "0x100")
    }

    @Test("unknown token, property after a subnode, stray FDT_END_NODE")
    func tokenSequences() throws {
        var raw = RawBlob()
        raw.strings = Array("a\0".utf8)
        raw.structure.beginNode("")
        raw.structure.beginNode("child")
        raw.structure.endNode()
        raw.structure.property(nameOffset: 0, value: [])
        raw.structure.endNode()
        raw.structure.end()
        var error = try #require(parseError(raw.build()))
        #expect(error.expected == "FDT_BEGIN_NODE or FDT_END_NODE token in node \"/\"")
        #expect(error.found == "FDT_PROP")

        raw.structure = []
        raw.structure.endNode()
        error = try #require(parseError(raw.build()))
        #expect(error == DeviceTreeError(offset: raw.structureOffset, expected: "FDT_BEGIN_NODE token", found: "FDT_END_NODE"))

        raw.structure = []
        raw.structure.beginNode("")
        raw.structure.appendWord(0x42)
        error = try #require(parseError(raw.build()))
        #expect(error.offset == raw.structureOffset + 8)
        #expect(error.found == "0x00000042")

        raw.structure = []
        raw.structure.beginNode("")
        raw.structure.endNode()
        raw.structure.beginNode("second-root")
        error = try #require(parseError(raw.build()))
        #expect(error.expected == "FDT_END token")
        #expect(error.found == "FDT_BEGIN_NODE")
    }

    @Test("nesting deeper than the limit is rejected, the limit itself is fine")
    func depthLimit() throws {
        func nested(_ depth: Int) -> [UInt8] {
            var raw = RawBlob()
            for level in 0..<depth { raw.structure.beginNode(level == 0 ? "" : "n\(level)") }
            for _ in 0..<depth { raw.structure.endNode() }
            raw.structure.end()
            return raw.build()
        }
        #expect(parseError(nested(FlattenedDeviceTree.maximumDepth)) == nil)
        let error = try #require(parseError(nested(FlattenedDeviceTree.maximumDepth + 1)))
        #expect(error.expected == "node nesting depth ≤ 64")
    }

    @Test("memory reservation list without a terminator")
    func unterminatedReservations() throws {
        var blob = TestTrees.boardBlob
        // Point the reservation map at the last 24 bytes: one entry fits,
        // the terminator does not.
        let start = (blob.count - 24) & ~7
        blob.setWord(UInt32(start), at: 16)
        // Make those bytes a non-terminating entry (size != 0).
        for index in start..<blob.count { blob[index] = 0xff }
        let error = try #require(parseError(blob))
        #expect(error.expected.hasPrefix("16-byte memory reservation entry"))
        #expect(error.offset >= start)
    }

    @Test("reservation block overlapping the structure block")
    func reservationsOverlapStructure() throws {
        var blob = TestTrees.boardBlob
        let structureOffset = blob.word(at: 8)
        blob.setWord(structureOffset - 8, at: 16) // the 0,0 terminator now straddles the structure
        let error = try #require(parseError(blob))
        #expect(error.offset == 16)
    }

    @Test("libfdt's terminator rule: a zero size ends the reservation list")
    func zeroSizeEndsReservations() throws {
        var raw = minimalStructure()
        raw.reservations = [(0x1000, 0x100), (0x5000, 0), (0x9000, 0x100)]
        let tree = try FlattenedDeviceTree.parse(raw.build())
        #expect(tree.memoryReservations == [MemoryReservation(address: 0x1000, size: 0x100)])
    }

    @Test("non-UTF-8 node names are rejected rather than altered")
    func nonUTF8Name() throws {
        var raw = RawBlob()
        raw.structure.appendWord(1)
        raw.structure.append(contentsOf: [0xff, 0xfe, 0, 0])
        raw.structure.endNode()
        raw.structure.end()
        let error = try #require(parseError(raw.build()))
        #expect(error.expected == "UTF-8 node name")
        #expect(error.found == "bytes fffe")
    }
}
