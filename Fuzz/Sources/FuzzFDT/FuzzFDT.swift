import FuzzSupport
import ProtMemDeviceTree

/// The FDT parser on arbitrary bytes. Beyond "never traps, always ends", the properties the
/// unit tests check on mutated blobs (Tests/ProtMemDeviceTreeTests/FuzzTests.swift): a
/// refusal names an offset inside the blob; whatever parses rewrites into a blob that parses
/// back to the same tree, and prints as source text.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let blob = FuzzInput.bytes(data, size)
    let tree: DeviceTree
    do {
        tree = try FlattenedDeviceTree.parse(blob)
    } catch {
        fuzzCheck((0...blob.count).contains(error.offset) && !error.expected.isEmpty, "refusal outside the blob: \(error)")
        return 0
    }
    var expected = tree
    expected.version = FlattenedDeviceTree.writtenVersion
    expected.lastCompatibleVersion = FlattenedDeviceTree.writtenLastCompatibleVersion
    let rewritten = FlattenedDeviceTree.serialize(tree)
    fuzzCheck((try? FlattenedDeviceTree.parse(rewritten)) == expected, "the rewritten blob does not parse back to the same tree")
    _ = tree.sourceText()
    return 0
}
