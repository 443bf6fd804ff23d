@_spi(SecureWorld) import ProtMemMemory

/// What the secure world protected, where, for whom and why: the entries a report shows
/// under "who protected which range".
public struct ProtectionRecord: Hashable, Sendable {
    /// Who divides the protected range into buffers. The normal world does for a carve-out
    /// heap, a TEE pool Linux sub-allocates and a driver's reserved region: it must ask the
    /// secure world to scrub what it frees, so `PROTMEM_SIP_SCRUB` takes such ranges. A
    /// trusted application's pool (or memory lent to another endpoint) is the secure world's:
    /// nothing in the normal world may wipe its buffers.
    public enum Allocator: String, Hashable, Sendable {
        case normalWorld = "normal-world"
        case secureWorld = "secure-world"
    }

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
    public let allocator: Allocator

    init(mechanism: String, region: Int?, range: PhysicalRange, readers: [String], writers: [String], owner: String, reason: String,
         allocator: Allocator = .secureWorld) {
        self.mechanism = mechanism
        self.region = region
        self.range = range
        self.readers = readers
        self.writers = writers
        self.owner = owner
        self.reason = reason
        self.allocator = allocator
    }
}
