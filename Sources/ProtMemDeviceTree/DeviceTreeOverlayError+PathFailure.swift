/// Why a libfdt path lookup failed.
extension DeviceTreeOverlayError {
    public enum PathFailure: Error, Sendable, Equatable, CustomStringConvertible {
        /// No node at this prefix of the path (libfdt's `FDT_ERR_NOTFOUND`).
        case noSuchNode(String)
        /// The path starts with an alias that `/aliases` does not define
        /// (libfdt's `FDT_ERR_BADPATH`).
        case noSuchAlias(String)
        /// Aliases name each other in a cycle; libfdt would recurse until its
        /// stack overflows, this model stops (reported as `FDT_ERR_BADPATH`).
        case aliasLoop(String)

        public var description: String {
            switch self {
            case .noSuchNode(let prefix): "no node \"\(prefix)\""
            case .noSuchAlias(let alias): "no alias \"\(alias)\" in /aliases"
            case .aliasLoop(let alias): "alias \"\(alias)\" refers back to itself"
            }
        }

        var code: LibfdtCode {
            switch self {
            case .noSuchNode: .notFound
            case .noSuchAlias, .aliasLoop: .badPath
            }
        }
    }
}

