import ProtMemPanthor
import ProtMemReport

/// The two renderings of `protmem firmware inspect`.
enum FirmwareReport {
    /// One line of JSON with the keys in the documented order (hence written by hand: an
    /// encoder would sort or scramble them).
    static func json(_ image: FirmwareImage) -> String {
        let sections = image.sections.map { section in
            "{\"name_hex\": \"\(section.nameHex)\", \"flags\": \(section.flags.rawValue), "
                + "\"va_start\": \(section.va.lowerBound), \"va_end\": \(section.va.upperBound), "
                + "\"data_start\": \(section.data.lowerBound), \"data_end\": \(section.data.upperBound), "
                + "\"protected\": \(section.isProtected), \"shared\": \(section.isShared), \"zero\": \(section.isZero)}"
        }
        let buildInfo = image.gitSHA.map(JSONString.quote) ?? "null"
        return "{\"version\": {\"major\": \(image.version.major), \"minor\": \(image.version.minor)}, "
            + "\"sections\": [\(sections.joined(separator: ", "))], \"build_info\": \(buildInfo)}"
    }

    static func table(_ image: FirmwareImage, path: String) -> String {
        let hex = { (value: UInt32) in "0x" + String(value, radix: 16) }
        let padded = { (value: UInt32) in
            let digits = String(value, radix: 16)
            return "0x" + String(repeating: "0", count: max(0, 8 - digits.count)) + digits
        }
        var lines = [
            "firmware: \(path)",
            "header: version \(image.version), version hash \(padded(image.header.versionHash)), "
                + "entries end at \(hex(image.header.size)), file \(image.bytes.count) bytes",
            "build info: " + (image.gitSHA.map { "git_sha: \($0)" } ?? "none"),
            "entries: \(image.entries.count), sections: \(image.sections.count), "
                + "protected: \(image.protectedSections.count), shared section: #\(image.sharedSectionIndex)",
            "",
        ]
        let header = ["#", "NAME", "FLAGS", "DECODED", "VA", "DATA", "PROT", "SHARED", "ZERO", "CACHE", "MAP"]
        let rows = image.sections.map { section in
            [
                "\(section.index)", section.nameText ?? section.nameHex, padded(section.flags.rawValue),
                section.flags.decodedDescription,
                "\(padded(section.va.lowerBound))-\(padded(section.va.upperBound))",
                "\(hex(section.data.lowerBound))-\(hex(section.data.upperBound))",
                section.isProtected ? "yes" : "-", section.isShared ? "yes" : "-", section.isZero ? "yes" : "-",
                section.cacheMode.name, section.mappingAttributes.description,
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        for cells in [header] + rows {
            lines.append(cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  "))
        }
        return lines.joined(separator: "\n")
    }
}
