@_spi(SecureWorld) import ProtMemMemory

/// A set of TZC-400 non-secure access IDs, as the `nsaid_rd_en`/`nsaid_wr_en` halves of a
/// region's `REGION_ID_ACCESS` register hold them (bit n = NSAID n).
public struct NSAIDSet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let all = NSAIDSet(rawValue: 0xFFFF)

    /// The NSAIDs of `masters`; secure masters add nothing (they are judged by the region's
    /// secure-access bits).
    public init(_ masters: [BusMaster]) {
        self.init(rawValue: masters.reduce(0) { $1.isSecure ? $0 : $0 | (1 << UInt16($1.nsaid)) })
    }

    public func contains(nsaid: UInt8) -> Bool { rawValue & (1 << UInt16(nsaid)) != 0 }
}

/// One region of a TZC-400: where it applies and who may read and write there.
///
/// Region 0 is the background: it covers every address, cannot be moved or disabled, and
/// only its rights can change. Where enabled regions overlap, the highest-numbered one
/// decides, as in the TZC-400.
public struct FirewallRegion: Hashable, Sendable, CustomStringConvertible {
    public let index: Int
    /// `nil` for the background region 0, which covers everything.
    public internal(set) var range: PhysicalRange?
    public internal(set) var enabled: Bool
    /// `s_rd_en` / `s_wr_en`
    public internal(set) var secureRead: Bool
    public internal(set) var secureWrite: Bool
    /// `nsaid_rd_en` / `nsaid_wr_en`
    public internal(set) var nonSecureRead: NSAIDSet
    public internal(set) var nonSecureWrite: NSAIDSet

    /// The state out of reset: no access for anyone, region disabled (region 0 is always on).
    init(resetIndex index: Int) {
        self.index = index
        self.range = nil
        self.enabled = index == 0
        self.secureRead = false
        self.secureWrite = false
        self.nonSecureRead = []
        self.nonSecureWrite = []
    }

    @inline(__always)
    func permits(_ master: BusMaster, _ kind: AccessKind) -> Bool {
        if master.isSecure {
            return kind == .read ? secureRead : secureWrite
        }
        return (kind == .read ? nonSecureRead : nonSecureWrite).contains(nsaid: master.nsaid)
    }

    public var description: String {
        let place = range.map(\.description) ?? "background"
        return "region \(index) \(place)\(enabled ? "" : " (disabled)") S:\(secureRead ? "r" : "-")\(secureWrite ? "w" : "-") NS read 0x\(String(nonSecureRead.rawValue, radix: 16)) write 0x\(String(nonSecureWrite.rawValue, radix: 16))"
    }
}
