/// Device tree source text as `dtc -I dtb -O dts` prints a blob.
///
/// Reproducing dtc's text exactly (tabs, blank lines, the type it guesses
/// for each property) lets a dump be diffed against dtc's, and lets tests
/// hold this module to the reference tool.
extension DeviceTree {
    public func sourceText() -> String {
        var text = "/dts-v1/;\n\n"
        for reservation in memoryReservations {
            text += "/memreserve/\t\(Self.hex16(reservation.address)) \(Self.hex16(reservation.size));\n"
        }
        Self.write(root, level: 0, into: &text)
        return text
    }

    private static func write(_ node: DeviceTreeNode, level: Int, into text: inout String) {
        let indent = String(repeating: "\t", count: level)
        text += indent + (node.name.isEmpty ? "/" : node.name) + " {\n"
        for property in node.properties {
            text += indent + "\t" + property.name + property.sourceValue + "\n"
        }
        for child in node.children {
            text += "\n"
            write(child, level: level + 1, into: &text)
        }
        text += indent + "};\n"
    }

    private static func hex16(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return "0x" + String(repeating: "0", count: max(0, 16 - digits.count)) + digits
    }
}
