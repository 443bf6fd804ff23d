/// Walks the structure block token by token and builds the node tree.
///
/// The walk is iterative with an explicit stack so that nesting depth is a
/// checked limit instead of native recursion, and every token consumes at
/// least 4 bytes of a bounded block, so a hostile blob cannot make it loop.
struct FDTStructureParser {
    let bytes: FDTBytes
    /// Where token reads must stop: `off_dt_struct + size_dt_struct` for v17,
    /// `totalsize` for v16 (which has no structure size).
    let structureStart: Int
    let structureLimit: Int
    let stringsStart: Int
    let stringsLimit: Int
    let maximumDepth: Int
    /// Property names are shared through the strings block; decoding each
    /// offset once keeps large trees fast.
    private var names: [UInt32: String] = [:]

    init(bytes: FDTBytes, header: FDTHeader, maximumDepth: Int) {
        self.bytes = bytes
        self.structureStart = Int(header.structureOffset)
        self.structureLimit = header.declaredStructureRange?.upperBound ?? Int(header.totalSize)
        self.stringsStart = Int(header.stringsOffset)
        self.stringsLimit = header.stringsRange.upperBound
        self.maximumDepth = maximumDepth
    }

    private struct Frame {
        var node: DeviceTreeNode
        /// Properties must precede subnodes: libfdt stops looking for
        /// properties at the first subnode, so later ones would be invisible
        /// to the kernel while dtc would still show them.
        var hasChildren = false
    }

    /// Parses from the structure start through `FDT_END`; returns the root
    /// and the offset just past `FDT_END`.
    mutating func parse() throws(DeviceTreeError) -> (root: DeviceTreeNode, end: Int) {
        var stack: [Frame] = []
        var root: DeviceTreeNode?
        var offset = structureStart

        while true {
            let tokenOffset = offset
            guard let word = bytes.u32(at: offset, limit: structureLimit) else {
                // A name's or a value's padding can end past the block (a name whose NUL is
                // the block's last byte): the block ends where it ends, not at the padded
                // offset, which may lie past the blob itself.
                throw DeviceTreeError(
                    offset: min(tokenOffset, structureLimit),
                    expected: Self.expectedToken(stack: stack, rootDone: root != nil),
                    found: "end of structure block")
            }
            offset += 4
            switch FDTToken(rawValue: word) {
            case .nop:
                continue

            case .beginNode where root == nil:
                guard stack.count < maximumDepth else {
                    throw DeviceTreeError(
                        offset: tokenOffset,
                        expected: "node nesting depth ≤ \(maximumDepth)",
                        found: "FDT_BEGIN_NODE at depth \(stack.count + 1)")
                }
                let (name, next) = try nodeName(at: offset)
                offset = next
                if !stack.isEmpty { stack[stack.count - 1].hasChildren = true }
                stack.append(Frame(node: DeviceTreeNode(name: name)))

            case .property where !stack.isEmpty && stack[stack.count - 1].hasChildren == false:
                let (property, next) = try property(at: offset)
                offset = next
                stack[stack.count - 1].node.properties.append(property)

            case .endNode where !stack.isEmpty:
                guard let frame = stack.popLast() else { continue }
                if stack.isEmpty {
                    root = frame.node
                } else {
                    stack[stack.count - 1].node.children.append(frame.node)
                }

            case .end where root != nil:
                guard let root else { continue }
                return (root, offset)

            default:
                throw DeviceTreeError(
                    offset: tokenOffset,
                    expected: Self.expectedToken(stack: stack, rootDone: root != nil),
                    found: FDTToken(rawValue: word)?.name ?? DeviceTreeError.word(word))
            }
        }
    }

    /// What may legally come next, for error messages.
    private static func expectedToken(stack: [Frame], rootDone: Bool) -> String {
        if rootDone { return "FDT_END token" }
        guard let top = stack.last else { return "FDT_BEGIN_NODE token" }
        let node = top.node.name.isEmpty ? "/" : top.node.name
        return top.hasChildren
            ? "FDT_BEGIN_NODE or FDT_END_NODE token in node \"\(node)\""
            : "FDT_PROP, FDT_BEGIN_NODE or FDT_END_NODE token in node \"\(node)\""
    }

    /// Reads the NUL-terminated name after `FDT_BEGIN_NODE`; returns it and
    /// the 4-aligned offset of the next token.
    private func nodeName(at offset: Int) throws(DeviceTreeError) -> (String, Int) {
        guard let nul = bytes.indexOfNUL(from: offset, limit: structureLimit) else {
            throw DeviceTreeError(
                offset: offset, expected: "NUL-terminated node name", found: "end of structure block")
        }
        guard let name = bytes.utf8String(from: offset, to: nul) else {
            throw DeviceTreeError(
                offset: offset, expected: "UTF-8 node name",
                found: "bytes \(bytes.hexPreview(from: offset, to: nul))")
        }
        return (name, alignedUp(nul + 1, to: 4) ?? Int.max)
    }

    /// Reads `len`, `nameoff` and the value after `FDT_PROP`.
    private mutating func property(at offset: Int) throws(DeviceTreeError) -> (DeviceTreeProperty, Int) {
        guard let length = bytes.u32(at: offset, limit: structureLimit) else {
            throw DeviceTreeError(offset: offset, expected: "FDT_PROP value length", found: "end of structure block")
        }
        guard let nameOffset = bytes.u32(at: offset + 4, limit: structureLimit) else {
            throw DeviceTreeError(offset: offset + 4, expected: "FDT_PROP name offset", found: "end of structure block")
        }
        let valueStart = offset + 8
        guard bytes.contains(offset: valueStart, length: Int(length), limit: structureLimit) else {
            throw DeviceTreeError(
                offset: offset,
                expected: "property length ≤ \(DeviceTreeError.hex(max(0, structureLimit - valueStart))) (rest of structure block)",
                found: DeviceTreeError.hex(length))
        }
        let name = try propertyName(nameOffset, fieldOffset: offset + 4)
        let valueEnd = valueStart + Int(length)
        let property = DeviceTreeProperty(name: name, value: bytes.copy(from: valueStart, to: valueEnd))
        return (property, alignedUp(valueEnd, to: 4) ?? Int.max)
    }

    /// Resolves a `nameoff` the way libfdt's `fdt_get_string` checks it:
    /// inside the strings block and NUL-terminated before the block ends.
    private mutating func propertyName(_ nameOffset: UInt32, fieldOffset: Int) throws(DeviceTreeError) -> String {
        if let cached = names[nameOffset] { return cached }
        let stringsSize = stringsLimit - stringsStart
        guard Int(nameOffset) < stringsSize else {
            throw DeviceTreeError(
                offset: fieldOffset,
                expected: "property name offset < strings block size \(DeviceTreeError.hex(stringsSize))",
                found: DeviceTreeError.hex(nameOffset))
        }
        let start = stringsStart + Int(nameOffset)
        guard let nul = bytes.indexOfNUL(from: start, limit: stringsLimit) else {
            throw DeviceTreeError(
                offset: start, expected: "NUL-terminated property name in strings block", found: "end of strings block")
        }
        guard let name = bytes.utf8String(from: start, to: nul) else {
            throw DeviceTreeError(
                offset: start, expected: "UTF-8 property name", found: "bytes \(bytes.hexPreview(from: start, to: nul))")
        }
        names[nameOffset] = name
        return name
    }
}
