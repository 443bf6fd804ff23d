/// Why a device tree could not become a board configuration: the node and property at fault
/// and what is wrong with them. Nothing of a failed build survives.
public struct BoardBuildError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The node at fault (`/reserved-memory/optee@43200000`); `/` for the tree as a whole.
    public var path: String
    /// The property at fault, when one is.
    public var property: String?
    /// The overlay that could not be applied (position in the list), for overlay failures.
    public var overlayIndex: Int?
    public var reason: String

    public init(path: String, property: String? = nil, overlayIndex: Int? = nil, _ reason: String) {
        self.path = path
        self.property = property
        self.overlayIndex = overlayIndex
        self.reason = reason
    }

    public var description: String {
        if let overlayIndex { return "overlay \(overlayIndex): \(reason)" }
        if let property { return "\(path): property \"\(property)\": \(reason)" }
        return "\(path): \(reason)"
    }
}
