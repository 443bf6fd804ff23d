import ProtMemMemory

/// What the secure world protected, where, for whom and why: the entries a report shows
/// under "who protected which range".
public struct ProtectionRecord: Hashable, Sendable {
    /// The mechanism: `tzc400` for a firewall region.
    public let mechanism: String
    /// The firewall region used (`nil` for mechanisms without regions).
    public let region: Int?
    public let range: PhysicalRange
    /// Masters granted read and write besides the secure CPU.
    public let readers: [String]
    public let writers: [String]
    /// Who asked: a heap, a TEE pool, boot firmware.
    public let owner: String
    public let reason: String
}
