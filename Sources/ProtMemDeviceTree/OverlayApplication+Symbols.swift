/// `__symbols__` merging: overlay labels become base labels so that later
/// overlays can reference nodes earlier ones added.
extension OverlayApplication {
    /// libfdt's `overlay_symbol_update`. Only symbols under
    /// `/<fragment>/__overlay__` are copied, rewritten to the fragment's
    /// target: its literal `target-path` when it has one (an alias or a
    /// trailing slash is kept as written), else the canonical path of the
    /// `target` node. A symbol naming `__overlay__` itself keeps libfdt's
    /// trailing slash (`/bar/`); one whose target is the root becomes
    /// `/<relative path>`. Other symbols (fragment nodes, helpers outside
    /// `__overlay__`) are skipped.
    mutating func mergeSymbols() throws(DeviceTreeOverlayError.Reason) {
        guard let overlaySymbols = overlay.libfdtChildIndex("__symbols__".utf8) else { return }
        var symbolsIndex = base.libfdtChildIndex("__symbols__".utf8)
        if symbolsIndex == nil {
            base.children.insert(DeviceTreeNode(name: "__symbols__"), at: 0)
            symbolsIndex = 0
        }
        guard let symbolsIndex else { return }

        for symbol in overlay.children[overlaySymbols].properties {
            guard let value = try rewrittenSymbol(symbol) else { continue }
            base.children[symbolsIndex].libfdtSetProperty(DeviceTreeProperty(name: symbol.name, value: value))
        }
    }

    /// The symbol's value in the merged tree (NUL-terminated), or nil when
    /// the symbol does not point into an `__overlay__` node.
    private func rewrittenSymbol(_ symbol: DeviceTreeProperty) throws(DeviceTreeOverlayError.Reason) -> [UInt8]? {
        let value = symbol.value
        guard let nul = value.firstIndex(of: 0), nul == value.count - 1 else {
            throw .malformedSymbol(label: symbol.name, problem: .notAString)
        }
        let path = value[..<nul]
        let slash = UInt8(ascii: "/")
        guard path.first == slash else {
            throw .malformedSymbol(label: symbol.name, problem: .notAbsolute(String(decoding: path, as: UTF8.self)))
        }
        guard let fragmentEnd = path.dropFirst().firstIndex(of: slash) else { return nil }
        let fragmentName = path[1..<fragmentEnd]
        let afterFragment = path[fragmentEnd...]
        let relative: ArraySlice<UInt8>
        if afterFragment.starts(with: "/__overlay__/".utf8) {
            relative = afterFragment.dropFirst("/__overlay__/".utf8.count)
        } else if afterFragment.elementsEqual("/__overlay__".utf8) {
            relative = []
        } else {
            return nil
        }

        let label = symbol.name
        guard let fragmentIndex = overlay.libfdtChildIndex(fragmentName) else {
            throw .symbolFragmentMissing(label: label, fragment: String(decoding: fragmentName, as: UTF8.self))
        }
        let fragment = overlay.children[fragmentIndex]
        guard fragment.libfdtChildIndex("__overlay__".utf8) != nil else {
            throw .symbolFragmentWithoutOverlay(label: label, fragment: fragment.name)
        }
        let target = try resolveTarget(of: fragment)
        let prefix = target.literalPath.map(Array.init) ?? Array(base.canonicalPath(of: target.indices[...]).utf8)
        // libfdt writes the prefix only when it is longer than one byte, so
        // "/" (and any one-byte path) contributes nothing before the slash.
        var rewritten = prefix.count > 1 ? prefix : []
        rewritten.append(slash)
        rewritten.append(contentsOf: relative)
        rewritten.append(0)
        return rewritten
    }
}
