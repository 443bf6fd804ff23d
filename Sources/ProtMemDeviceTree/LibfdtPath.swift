/// libfdt's `fdt_path_offset_namelen` over a value tree.
enum LibfdtPath {
    /// Longest alias chain followed before declaring a loop.
    static let maximumAliasDepth = 32

    /// Resolves `path` (bytes, no NUL) to child indices from `root`: an
    /// absolute path, or an alias optionally followed by `/relative/path`.
    /// Empty components (`//`) are skipped, as libfdt skips them.
    static func resolve(
        _ path: some Collection<UInt8>, in root: DeviceTreeNode, aliasDepth: Int = 0
    ) -> Result<[Int], DeviceTreeOverlayError.PathFailure> {
        let bytes = Array(path)
        let slash = UInt8(ascii: "/")
        var indices: [Int] = []
        var position = 0
        if bytes.first != slash {
            let aliasEnd = bytes.firstIndex(of: slash) ?? bytes.endIndex
            let alias = bytes[..<aliasEnd]
            let aliasName = String(decoding: alias, as: UTF8.self)
            guard aliasDepth < maximumAliasDepth else { return .failure(.aliasLoop(aliasName)) }
            guard case .success(let aliasesNode) = resolve(Array("/aliases".utf8), in: root, aliasDepth: aliasDepth + 1),
                  let index = root.descendant(at: aliasesNode[...]).libfdtPropertyIndex(alias)
            else { return .failure(.noSuchAlias(aliasName)) }
            let target = root.descendant(at: aliasesNode[...]).properties[index].value.cString
            switch resolve(target, in: root, aliasDepth: aliasDepth + 1) {
            case .success(let found): indices = found
            case .failure(let failure): return .failure(failure)
            }
            position = aliasEnd
        }
        var node = root.descendant(at: indices[...])
        while position < bytes.count {
            while position < bytes.count, bytes[position] == slash { position += 1 }
            guard position < bytes.count else { break }
            let end = bytes[position...].firstIndex(of: slash) ?? bytes.endIndex
            guard let child = node.libfdtChildIndex(bytes[position..<end]) else {
                return .failure(.noSuchNode(String(decoding: bytes[..<end], as: UTF8.self)))
            }
            indices.append(child)
            node = node.children[child]
            position = end
        }
        return .success(indices)
    }
}

extension Array where Element == UInt8 {
    /// The bytes before the first NUL (all of them when there is none): what
    /// C code sees when it reads a property value as a string.
    var cString: ArraySlice<UInt8> {
        self[..<(firstIndex(of: 0) ?? endIndex)]
    }
}
