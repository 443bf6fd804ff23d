/// What is wrong, grouped by the step of `fdt_overlay_apply` that finds it.
/// Node paths are overlay paths (`/fragment@0/__overlay__/node`) except where
/// a case says the base; each case's `FDT_ERR_*` code is given in its comment.
extension DeviceTreeOverlayError {
    public enum Reason: Error, Sendable, Equatable, CustomStringConvertible {
        // Phandle renumbering.
        /// A `phandle`/`linux,phandle` that is not one cell. `BADPHANDLE`.
        case malformedPhandle(node: String, property: String, length: Int)
        /// Shifting a phandle past the base's maximum overflows or lands on
        /// 0xffffffff. `NOPHANDLES`.
        case phandleOverflow(node: String, property: String, phandle: UInt32, delta: UInt32)

        // `__local_fixups__`.
        /// A fixup property whose length is not a whole number of cells. `BADOVERLAY`.
        case localFixupNotCells(fixupNode: String, property: String, length: Int)
        /// A `__local_fixups__` node mirrors an overlay node that does not exist. `BADOVERLAY`.
        case localFixupNodeMissing(fixupNode: String, node: String)
        /// A fixup names a property the mirrored overlay node lacks. `BADOVERLAY`.
        case localFixupPropertyMissing(node: String, property: String)
        /// A fixup offset with no whole cell at it inside the property. `BADOVERLAY`.
        case localFixupOffsetOutOfRange(node: String, property: String, offset: UInt32, length: Int)

        // `__fixups__` (references to the base's labels).
        /// An entry that is not `path:property:offset`. `BADOVERLAY`.
        case malformedFixup(label: String, entry: String, problem: FixupProblem)
        /// The overlay references base labels but the base has no
        /// `__symbols__` (it was not compiled with `dtc -@`). `NOTFOUND`.
        case baseWithoutSymbols(label: String)
        /// The base's `__symbols__` has no such label. `NOTFOUND`.
        case unknownLabel(label: String)
        /// The base's `__symbols__` entry for the label names no base node.
        /// `NOTFOUND`, or `BADPATH` for a missing alias.
        case labelPathUnresolved(label: String, path: String, failure: PathFailure)
        /// The base node the label names has no phandle to patch in. `NOTFOUND`.
        case labelNodeWithoutPhandle(label: String, path: String)
        /// The fixup's node path names no overlay node. `BADOVERLAY`, or
        /// `BADPATH` for a missing alias.
        case fixupNodeMissing(label: String, path: String, failure: PathFailure)
        /// The fixup's property is not in that overlay node. `NOTFOUND`.
        case fixupPropertyMissing(label: String, node: String, property: String)
        /// The fixup's offset leaves no whole cell inside the property. `NOSPACE`.
        case fixupOffsetOutOfRange(label: String, node: String, property: String, offset: UInt64, length: Int)

        // Fragments (also re-resolved when symbols are merged).
        /// A fragment with `__overlay__` but neither `target` nor `target-path`. `BADOVERLAY`.
        case fragmentWithoutTarget(fragment: String)
        /// `target` is not one cell. `BADPHANDLE`.
        case malformedTarget(fragment: String, length: Int)
        /// `target` is still 0xffffffff: a reference no `__fixups__` entry
        /// resolved. `BADPHANDLE`.
        case unresolvedTarget(fragment: String)
        /// No base node has the `target` phandle. `NOTFOUND`.
        case targetPhandleNotFound(fragment: String, phandle: UInt32)
        /// `target-path` names no base node. `NOTFOUND`, or `BADPATH` for a
        /// missing alias.
        case targetPathUnresolved(fragment: String, path: String, failure: PathFailure)

        // `__symbols__` merging.
        /// An overlay symbol that is not one string, or not an absolute path. `BADVALUE`.
        case malformedSymbol(label: String, problem: SymbolProblem)
        /// A symbol under `/<fragment>/__overlay__` whose fragment is not in
        /// the overlay. `BADOVERLAY`.
        case symbolFragmentMissing(label: String, fragment: String)
        /// A symbol under `/<fragment>/__overlay__` whose fragment has no
        /// `__overlay__` node. `BADOVERLAY`.
        case symbolFragmentWithoutOverlay(label: String, fragment: String)

        public var code: LibfdtCode {
            switch self {
            case .malformedPhandle, .malformedTarget, .unresolvedTarget: .badPhandle
            case .phandleOverflow: .noPhandles
            case .localFixupNotCells, .localFixupNodeMissing, .localFixupPropertyMissing,
                 .localFixupOffsetOutOfRange, .malformedFixup, .fragmentWithoutTarget,
                 .symbolFragmentMissing, .symbolFragmentWithoutOverlay:
                .badOverlay
            case .baseWithoutSymbols, .unknownLabel, .labelNodeWithoutPhandle,
                 .fixupPropertyMissing, .targetPhandleNotFound:
                .notFound
            case .labelPathUnresolved(_, _, let failure), .targetPathUnresolved(_, _, let failure):
                failure.code
            case .fixupNodeMissing(_, _, let failure):
                failure.code == .notFound ? .badOverlay : failure.code
            case .fixupOffsetOutOfRange: .noSpace
            case .malformedSymbol: .badValue
            }
        }

        public var description: String {
            switch self {
            case let .malformedPhandle(node, property, length):
                "\(node): property \"\(property)\" is \(length) bytes, a phandle must be one 4-byte cell"
            case let .phandleOverflow(node, property, phandle, delta):
                "\(node): property \"\(property)\" = \(hex(phandle)) cannot be shifted past the base's maximum phandle \(hex(delta)) without overflowing"
            case let .localFixupNotCells(fixupNode, property, length):
                "\(fixupNode): local fixup \"\(property)\" is \(length) bytes, not a list of 4-byte offsets"
            case let .localFixupNodeMissing(fixupNode, node):
                "\(fixupNode): local fixups for \(node), which the overlay does not have"
            case let .localFixupPropertyMissing(node, property):
                "\(node): local fixups name property \"\(property)\", which the node does not have"
            case let .localFixupOffsetOutOfRange(node, property, offset, length):
                "\(node): local fixup offset \(offset) is past the end of \"\(property)\" (\(length) bytes)"
            case let .malformedFixup(label, entry, problem):
                "__fixups__/\(label): entry \"\(entry)\" \(problem)"
            case let .baseWithoutSymbols(label):
                "__fixups__/\(label): the base has no /__symbols__ node to resolve labels (compile it with dtc -@)"
            case let .unknownLabel(label):
                "__fixups__/\(label): the base's /__symbols__ has no label \"\(label)\""
            case let .labelPathUnresolved(label, path, failure):
                "__fixups__/\(label): the base's symbol path \"\(path)\" does not resolve: \(failure)"
            case let .labelNodeWithoutPhandle(label, path):
                "__fixups__/\(label): base node \(path) has no phandle"
            case let .fixupNodeMissing(label, path, failure):
                "__fixups__/\(label): overlay path \"\(path)\" does not resolve: \(failure)"
            case let .fixupPropertyMissing(label, node, property):
                "__fixups__/\(label): \(node) has no property \"\(property)\""
            case let .fixupOffsetOutOfRange(label, node, property, offset, length):
                "__fixups__/\(label): offset \(offset) leaves no whole cell in \(node) property \"\(property)\" (\(length) bytes)"
            case let .fragmentWithoutTarget(fragment):
                "fragment \(fragment): has __overlay__ but neither \"target\" nor \"target-path\""
            case let .malformedTarget(fragment, length):
                "fragment \(fragment): \"target\" is \(length) bytes, a phandle must be one 4-byte cell"
            case let .unresolvedTarget(fragment):
                "fragment \(fragment): \"target\" is 0xffffffff, a reference no __fixups__ entry resolved"
            case let .targetPhandleNotFound(fragment, phandle):
                "fragment \(fragment): no base node has \"target\" phandle \(hex(phandle))"
            case let .targetPathUnresolved(fragment, path, failure):
                "fragment \(fragment): \"target-path\" \"\(path)\" does not resolve in the base: \(failure)"
            case let .malformedSymbol(label, problem):
                "__symbols__/\(label): \(problem)"
            case let .symbolFragmentMissing(label, fragment):
                "__symbols__/\(label): fragment \(fragment) is not in the overlay"
            case let .symbolFragmentWithoutOverlay(label, fragment):
                "__symbols__/\(label): fragment \(fragment) has no __overlay__ node"
            }
        }

        private func hex(_ value: UInt32) -> String { DeviceTreeError.hex(value) }
    }

    /// How a `__fixups__` entry departs from `path:property:offset`.
    public enum FixupProblem: Sendable, Equatable, CustomStringConvertible {
        /// The property value does not end in NUL (or is empty).
        case notTerminated
        /// No `:` after the node path.
        case missingPathSeparator
        /// Nothing follows the path's `:`.
        case missingProperty
        /// No `:` after the property name.
        case missingOffsetSeparator
        case emptyPropertyName
        /// The offset is not a decimal number (as `strtoul` reads one) ending the entry.
        case malformedOffset

        public var description: String {
            switch self {
            case .notTerminated: "is not NUL-terminated"
            case .missingPathSeparator: "has no ':' after the node path"
            case .missingProperty: "has nothing after the node path"
            case .missingOffsetSeparator: "has no ':' after the property name"
            case .emptyPropertyName: "has an empty property name"
            case .malformedOffset: "does not end in a decimal byte offset"
            }
        }
    }

    /// How an overlay `__symbols__` entry is malformed.
    public enum SymbolProblem: Sendable, Equatable, CustomStringConvertible {
        /// Empty, not NUL-terminated, or with an embedded NUL.
        case notAString
        /// The path does not start with `/`.
        case notAbsolute(String)

        public var description: String {
            switch self {
            case .notAString: "value is not a single NUL-terminated string"
            case .notAbsolute(let path): "path \"\(path)\" is not absolute"
            }
        }
    }
}
