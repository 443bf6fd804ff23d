@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE

/// A GlobalPlatform parameter as a trusted application sees it (`TEE_Param` with its type
/// from `TEE_PARAM_TYPES`): values carry `a` and `b` only (OP-TEE drops `c`), memory
/// references carry the physical range of the caller's shared buffer.
public enum TAParameter: Hashable, Sendable {
    case none
    case valueInput(a: UInt32, b: UInt32)
    case valueOutput(a: UInt32, b: UInt32)
    case valueInout(a: UInt32, b: UInt32)
    /// `range` is `nil` for a null memory reference.
    case memrefInput(range: PhysicalRange?)
    case memrefOutput(range: PhysicalRange?, size: UInt64)
    case memrefInout(range: PhysicalRange?, size: UInt64)

    /// The `a` and `b` of a value parameter.
    public var value: (a: UInt32, b: UInt32)? {
        switch self {
        case .valueInput(let a, let b), .valueOutput(let a, let b), .valueInout(let a, let b): (a, b)
        default: nil
        }
    }

    public var memref: PhysicalRange? {
        switch self {
        case .memrefInput(let r), .memrefOutput(let r, _), .memrefInout(let r, _): r
        default: nil
        }
    }
}

/// What OP-TEE gives a trusted application to work with: the bus as the secure CPU, and the
/// right to protect and unprotect memory (the MediaTek secure-memory TA programs the
/// firewall for the ranges it manages).
public struct TAEnvironment: Sendable {
    public let bus: Bus
    /// Not held: the monitor holds the trusted OS that keeps this environment, so holding
    /// the monitor back would keep both, and the board, alive for ever.
    public unowned let monitor: SecureMonitor
}

/// A trusted application, found by UUID. Sessions are numbered by OP-TEE; the TA keeps
/// whatever per-session state it needs under those numbers.
public protocol TrustedApplication: AnyObject, Sendable {
    var uuid: TEEUUID { get }
    var name: String { get }
    func openSession(_ session: UInt32, parameters: inout [TAParameter], environment: TAEnvironment) -> TEEResult
    func invoke(_ session: UInt32, command: UInt32, parameters: inout [TAParameter], environment: TAEnvironment) -> TEEResult
    func closeSession(_ session: UInt32, environment: TAEnvironment)
}

extension TrustedApplication {
    public func openSession(_ session: UInt32, parameters: inout [TAParameter], environment: TAEnvironment) -> TEEResult { .success }
    public func closeSession(_ session: UInt32, environment: TAEnvironment) {}
}
