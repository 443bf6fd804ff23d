/// Whether a master's transactions are marked secure (AxPROT[1] = 0) on the interconnect.
public enum SecurityState: String, Sendable, Hashable, Codable, BitwiseCopyable {
    case secure
    case nonSecure = "non-secure"
}

/// Identifies a bus master in the model; unique per board.
public struct MasterID: RawRepresentable, Hashable, Comparable, Sendable, BitwiseCopyable {
    public let rawValue: UInt16
    @inlinable public init(rawValue: UInt16) { self.rawValue = rawValue }
    @inlinable public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// A device that issues transactions on the bus, with the security identity the firewall
/// sees.
///
/// A TZC-400 tells non-secure masters apart only by their NSAID (non-secure access ID,
/// 0–15), so two masters with the same NSAID have the same rights. The GPU appears twice:
/// in protected mode its transactions carry their own identity, which is how a firewall
/// can let the GPU reach protected memory only while it runs protected work.
///
/// Plain bits (its name is kept as a number into the table of every name masters have had):
/// a master is copied, compared and passed with every transaction, and a `String` field made
/// each of those a reference-count update on its storage.
///
/// A master is an identity, known to anyone (faults, attachments and grants name them); what
/// the interconnect wires, and software cannot choose, is which identity a transaction
/// carries. So masters are made only by the hardware's integrator (`@_spi(SecureWorld)`), and
/// a transaction as a privileged one (secure, or a device's protected mode) goes only through
/// the bus's privileged path, which the normal world does not have.
public struct BusMaster: Hashable, Sendable, CustomStringConvertible, BitwiseCopyable {
    public let id: MasterID
    public let security: SecurityState
    /// The TZC-400 NSAID for non-secure transactions (0–15); ignored for secure ones.
    public let nsaid: UInt8
    /// The identity a device's transactions carry only while its protected mode is active
    /// (the GPU with `GPU_STATUS_PROTM_ACTIVE`): entered through the device's firmware, never
    /// chosen by normal-world software.
    public let isProtectedMode: Bool
    /// The name's number among the names masters have had; equal names, equal numbers.
    private let nameNumber: UInt32

    public var name: String { BusMasterNames.name(nameNumber) }

    /// Fails (returns `nil`) for an NSAID outside 0...15, which a TZC-400 cannot encode. The
    /// board's integrator's power: an NSAID is wired per port, so a master made elsewhere
    /// could impersonate another device's.
    @_spi(SecureWorld)
    public init?(id: UInt16, name: String, security: SecurityState, nsaid: UInt8, protectedMode: Bool = false) {
        guard nsaid < 16, !name.isEmpty else { return nil }
        self.init(fixed: id, name, security, nsaid, protectedMode: protectedMode)
    }

    private init(fixed id: UInt16, _ name: String, _ security: SecurityState, _ nsaid: UInt8, protectedMode: Bool = false) {
        self.id = MasterID(rawValue: id)
        self.nameNumber = BusMasterNames.number(of: name)
        self.security = security
        self.nsaid = nsaid
        self.isProtectedMode = protectedMode
    }

    public var isSecure: Bool { security == .secure }

    /// Whether transactions as this master come only through the bus's privileged path: a
    /// secure master's (the secure world's own), or a protected mode's (the device's hardware).
    @inline(__always)
    public var isPrivileged: Bool { security == .secure || isProtectedMode }

    public var description: String {
        security == .secure ? "\(name) (secure)" : "\(name) (non-secure, nsaid \(nsaid))"
    }

    /// The application cores in the normal world: Linux and its userspace.
    public static let cpuNonSecure = BusMaster(fixed: 0, "cpu", .nonSecure, 0)
    /// The application cores in the secure world: OP-TEE, TF-A, a secure partition.
    public static let cpuSecure = BusMaster(fixed: 1, "cpu-secure", .secure, 0)
    /// The Mali GPU running normal work.
    public static let gpu = BusMaster(fixed: 2, "gpu", .nonSecure, 1)
    /// The Mali GPU while `GPU_STATUS_PROTM_ACTIVE` is set.
    public static let gpuProtected = BusMaster(fixed: 3, "gpu-protected", .nonSecure, 2, protectedMode: true)
    /// The video codec (decoder and encoder).
    public static let codec = BusMaster(fixed: 4, "codec", .nonSecure, 3)
    /// The display controller's scan-out engine.
    public static let display = BusMaster(fixed: 5, "display", .nonSecure, 4)
    /// The camera's image signal processor.
    public static let camera = BusMaster(fixed: 6, "camera", .nonSecure, 5)

    /// The masters every board has; boards may declare more.
    public static let standard: [BusMaster] = [cpuNonSecure, cpuSecure, gpu, gpuProtected, codec, display, camera]
}
