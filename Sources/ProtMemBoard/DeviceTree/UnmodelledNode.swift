/// A node the board builder kept but did not turn into anything: a device the model has no
/// model of, a disabled node, or a `protmem,` node it does not know. Listed, never rejected,
/// so a real board's tree builds whatever else it carries.
public struct UnmodelledNode: Sendable, Hashable {
    public var path: String
    public var compatible: [String]
    /// Why it was left alone: `disabled`, `no model`.
    public var reason: String

    public init(path: String, compatible: [String], reason: String) {
        self.path = path
        self.compatible = compatible
        self.reason = reason
    }
}
