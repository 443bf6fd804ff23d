/// The hypervisor node (`protmem,pkvm`) a board carries and the node each FF-A endpoint came
/// from, so a summary can point at them. What they configure (each endpoint's grant, the
/// heap and the endpoint it lends to) is in `BoardConfiguration.hypervisor`.
public struct HypervisorNode: Sendable, Hashable {
    /// One `ffa-endpoint@<id>` child.
    public struct Endpoint: Sendable, Hashable {
        /// The FF-A endpoint id (`reg`).
        public var id: UInt16
        public var path: String

        public init(id: UInt16, path: String) {
            self.id = id
            self.path = path
        }
    }

    public var path: String
    /// In ascending id order.
    public var endpoints: [Endpoint]

    public init(path: String, endpoints: [Endpoint]) {
        self.path = path
        self.endpoints = endpoints
    }
}
