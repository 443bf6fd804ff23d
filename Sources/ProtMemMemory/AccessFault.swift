/// The direction of a bus transaction.
public enum AccessKind: String, Sendable, Hashable, Codable {
    case read
    case write
}

/// A transaction the interconnect refused, as a firewall's fault registers would latch it:
/// who, where, how big, which direction, and why. Recorded, then thrown to the master.
public struct AccessFault: Error, Hashable, Sendable, CustomStringConvertible {
    public let master: BusMaster
    /// The first address of the transaction that was refused (not the whole request).
    public let address: PhysicalAddress
    /// The size of the whole request that was refused; no byte of it moved.
    public let size: UInt64
    public let kind: AccessKind
    /// Who refused it: a firewall, a stage-2 table, or the decoder (no memory there).
    public let source: String
    public let reason: String

    public init(master: BusMaster, address: PhysicalAddress, size: UInt64, kind: AccessKind, source: String, reason: String) {
        self.master = master
        self.address = address
        self.size = size
        self.kind = kind
        self.source = source
        self.reason = reason
    }

    public var description: String {
        "\(source): \(kind) of \(size) bytes at \(address) by \(master) denied: \(reason)"
    }
}
