import ProtMemDeviceTree
import Testing

/// Inputs the libFuzzer targets (Fuzz/, Scripts/fuzz.sh) found, each reduced to the smallest
/// blob that shows it, with the property it broke.
@Suite struct FuzzRegressionTests {
    /// A v16 blob (no structure size: the block runs to `totalsize`) whose root name's NUL
    /// is the blob's last byte. The next token would start at the name's 4-byte padding,
    /// 0x40, past the 0x3d-byte blob; the refusal named that offset, outside the blob.
    /// Found by `fdt`; the refusal now names where the block ends.
    @Test func aTokenPastTheBlockIsRefusedAtTheBlockEnd() {
        var blob: [UInt8] = []
        for word: UInt32 in [0xd00d_feed, 0x3d, 0x38, 0x38, 0x28, 16, 16, 0, 0, 0] {
            blob += [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: word >> UInt32($0)) }
        }
        blob += [UInt8](repeating: 0, count: 16)  // the reservation map's terminator
        blob += [0, 0, 0, 1, 0]  // FDT_BEGIN_NODE, the root's empty name
        #expect(blob.count == 0x3d)
        #expect(throws: DeviceTreeError(offset: 0x3d, expected: "FDT_PROP, FDT_BEGIN_NODE or FDT_END_NODE token in node \"/\"",
                                        found: "end of structure block")) {
            try FlattenedDeviceTree.parse(blob)
        }
    }
}
