/// The OP-TEE node (`linaro,optee-tz`) a board carries: where it is and how the normal world
/// calls it. Its protected-memory settings are in `BoardConfiguration.optee`.
public struct TrustedOSNode: Sendable, Hashable {
    public var path: String
    /// `method`: `smc` or `hvc`, the conduit the driver uses.
    public var method: String

    public init(path: String, method: String) {
        self.path = path
        self.method = method
    }
}
