/// `__fixups__`: references from the overlay to labels of the base.
///
/// Each property of `/__fixups__` is named after a base label and holds
/// NUL-separated `path:property:offset` entries, each locating a cell in the
/// overlay that must become the phandle of the node the base's
/// `/__symbols__/<label>` names.
extension OverlayApplication {
    /// libfdt 1.6.1's `overlay_fixup_phandles`: entries are checked and
    /// resolved one at a time, so an entry's own syntax error is reported
    /// before a missing `__symbols__` or label.
    mutating func resolveBaseReferences() throws(DeviceTreeOverlayError.Reason) {
        guard case .success(let fixupsPath) = LibfdtPath.resolve("/__fixups__".utf8, in: overlay) else {
            return // an overlay that references no base labels
        }
        let symbolsPath = try? LibfdtPath.resolve("/__symbols__".utf8, in: base).get()
        for property in overlay.descendant(at: fixupsPath[...]).properties {
            for entry in Self.fixupEntries(property) {
                try resolve(entry, label: property.name, symbolsPath: symbolsPath)
            }
        }
    }

    /// One parsed `path:property:offset` entry.
    struct FixupEntry {
        var path: ArraySlice<UInt8>
        var property: ArraySlice<UInt8>
        /// What `strtoul` read; a negative number (which `strtoul` wraps to a
        /// huge value) and an overflowing one read as `UInt64.max`.
        var offset: UInt64
    }

    /// Splits a fixup property into entries, stopping after the first
    /// malformed one: libfdt parses and resolves one entry at a time, so the
    /// caller resolves the good entries before meeting the bad one.
    static func fixupEntries(_ property: DeviceTreeProperty) -> [Result<FixupEntry, DeviceTreeOverlayError.Reason>] {
        var results: [Result<FixupEntry, DeviceTreeOverlayError.Reason>] = []
        let value = property.value[...]
        var start = value.startIndex
        repeat {
            guard let end = value[start...].firstIndex(of: 0) else {
                results.append(.failure(.malformedFixup(
                    label: property.name, entry: String(decoding: value[start...], as: UTF8.self), problem: .notTerminated)))
                return results
            }
            let entry = value[start..<end]
            start = end + 1
            results.append(parseFixup(entry, label: property.name))
            if case .failure = results.last { return results }
        } while start < value.endIndex
        return results
    }

    private static func parseFixup(_ entry: ArraySlice<UInt8>, label: String) -> Result<FixupEntry, DeviceTreeOverlayError.Reason> {
        func failure(_ problem: DeviceTreeOverlayError.FixupProblem) -> Result<FixupEntry, DeviceTreeOverlayError.Reason> {
            .failure(.malformedFixup(label: label, entry: String(decoding: entry, as: UTF8.self), problem: problem))
        }
        let colon = UInt8(ascii: ":")
        guard let pathEnd = entry.firstIndex(of: colon) else { return failure(.missingPathSeparator) }
        guard pathEnd != entry.endIndex - 1 else { return failure(.missingProperty) }
        let rest = entry[(pathEnd + 1)...]
        guard let propertyEnd = rest.firstIndex(of: colon) else { return failure(.missingOffsetSeparator) }
        guard propertyEnd > rest.startIndex else { return failure(.emptyPropertyName) }
        guard let offset = strtoul(entry[(propertyEnd + 1)...]) else { return failure(.malformedOffset) }
        return .success(FixupEntry(path: entry[..<pathEnd], property: rest[..<propertyEnd], offset: offset))
    }

    /// C's `strtoul(text, &end, 10)` with libfdt's check that it consumed
    /// at least one digit and everything up to the entry's end; nil when not.
    private static func strtoul(_ text: ArraySlice<UInt8>) -> UInt64? {
        var index = text.startIndex
        // isspace in the C locale: space, \t \n \v \f \r.
        while index < text.endIndex, text[index] == 0x20 || (0x09...0x0d).contains(text[index]) { index += 1 }
        var negative = false
        if index < text.endIndex, text[index] == UInt8(ascii: "+") || text[index] == UInt8(ascii: "-") {
            negative = text[index] == UInt8(ascii: "-")
            index += 1
        }
        var value: UInt64 = 0
        var digits = 0
        while index < text.endIndex, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(text[index]) {
            // Saturate like strtoul's ULONG_MAX; any such value is out of range anyway.
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (sum, overflow2) = times.addingReportingOverflow(UInt64(text[index] - UInt8(ascii: "0")))
            value = overflow1 || overflow2 ? UInt64.max : sum
            digits += 1
            index += 1
        }
        guard digits > 0, index == text.endIndex else { return nil }
        return negative && value != 0 ? UInt64.max : value
    }

    /// libfdt's `overlay_fixup_one_phandle`.
    private mutating func resolve(
        _ parsed: Result<FixupEntry, DeviceTreeOverlayError.Reason>, label: String, symbolsPath: [Int]?
    ) throws(DeviceTreeOverlayError.Reason) {
        let entry = try parsed.get()
        guard let symbolsPath else { throw .baseWithoutSymbols(label: label) }
        guard let symbol = base.descendant(at: symbolsPath[...]).libfdtProperty(label) else {
            throw .unknownLabel(label: label)
        }
        let symbolPath = symbol.value.cString
        let labelled: [Int]
        switch LibfdtPath.resolve(symbolPath, in: base) {
        case .success(let found): labelled = found
        case .failure(let failure):
            throw .labelPathUnresolved(label: label, path: String(decoding: symbolPath, as: UTF8.self), failure: failure)
        }
        let phandle = base.descendant(at: labelled[...]).libfdtPhandle
        guard phandle != 0 else {
            throw .labelNodeWithoutPhandle(label: label, path: base.canonicalPath(of: labelled[...]))
        }

        let fixupPath = String(decoding: entry.path, as: UTF8.self)
        let node: [Int]
        switch LibfdtPath.resolve(entry.path, in: overlay) {
        case .success(let found): node = found
        case .failure(let failure): throw .fixupNodeMissing(label: label, path: fixupPath, failure: failure)
        }
        let propertyName = String(decoding: entry.property, as: UTF8.self)
        try overlay.modifyDescendant(at: node[...]) { (target: inout DeviceTreeNode) throws(DeviceTreeOverlayError.Reason) in
            guard let index = target.libfdtPropertyIndex(entry.property) else {
                throw .fixupPropertyMissing(label: label, node: fixupPath, property: propertyName)
            }
            let length = target.properties[index].value.count
            guard length >= 4, entry.offset <= UInt64(length - 4) else {
                throw .fixupOffsetOutOfRange(
                    label: label, node: fixupPath, property: propertyName, offset: entry.offset, length: length)
            }
            target.properties[index].setCell(phandle, at: Int(entry.offset))
        }
    }
}
