import FuzzSupport
import ProtMemDeviceTree

/// Overlay application on a base and an overlay split from one input: the base is the first
/// `totalsize` bytes (the header's own word at offset 4, clamped to the input), the overlay
/// the rest. So `cat base.dtb overlay.dtbo` is a seed as it stands, and libFuzzer's
/// mutations of the base's header move the split.
///
/// Both halves must parse for the overlay code to run; a refusal is fine, a trap is not, and
/// whatever applies must rewrite into a blob that parses back to the same tree.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput.bytes(data, size)
    guard input.count >= 8 else { return 0 }
    let totalSize = input[4..<8].reduce(0) { $0 << 8 | Int($1) }
    let split = min(max(totalSize, 8), input.count)
    guard let base = try? FlattenedDeviceTree.parse(Array(input[..<split])),
          let overlay = try? FlattenedDeviceTree.parse(Array(input[split...])) else { return 0 }
    guard let applied = try? base.applying(overlay: overlay) else { return 0 }
    var expected = applied
    expected.version = FlattenedDeviceTree.writtenVersion
    expected.lastCompatibleVersion = FlattenedDeviceTree.writtenLastCompatibleVersion
    let rewritten = FlattenedDeviceTree.serialize(applied)
    fuzzCheck((try? FlattenedDeviceTree.parse(rewritten)) == expected, "the applied tree does not rewrite into the same tree")
    // A second overlay on the result: symbols the first one added are looked up again.
    _ = try? applied.applying(overlay: overlay)
    return 0
}
