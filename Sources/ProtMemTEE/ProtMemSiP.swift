import ProtMemHeaps
import ProtMemMemory

/// ProtMem's own SiP (silicon-provider) SMC services: what a real SoC's secure firmware
/// offers its normal-world drivers beyond OP-TEE. Owner 2 (SiP), fast, 64-bit calling
/// convention: `0xC2000000 | n`. Results follow SMCCC (0 success, negative errors).
public enum ProtMemSiP {
    /// Zero a protected range: a1 = base, a2 = size.
    public static let scrub: UInt64 = 0xC200_0001

    public static let success: UInt64 = 0
    /// `SMCCC_RET_NOT_SUPPORTED`
    public static let notSupported = UInt64(bitPattern: -1)
    /// `SMCCC_RET_INVALID_PARAMETER`
    public static let invalidParameter = UInt64(bitPattern: -3)
    /// The bus refused the secure world itself.
    public static let denied = UInt64(bitPattern: -4)
}

/// The normal-world side of the scrub service: heaps that cannot write their own protected
/// memory ask the secure world to wipe it, through an SMC and nothing else.
public final class SiPScrubber: ProtectedMemoryScrubber {
    public let conduit: any SecureMonitorConduit

    public init(conduit: any SecureMonitorConduit) {
        self.conduit = conduit
    }

    public func scrub(_ range: PhysicalRange) throws(AccessFault) {
        let answer = conduit.smc(SMCRegisters(ProtMemSiP.scrub, range.base.rawValue, range.size))
        guard answer.a0 == ProtMemSiP.success else {
            throw AccessFault(master: .cpuNonSecure, address: range.base, size: range.size, kind: .write, source: "secure-monitor",
                              reason: "PROTMEM_SIP_SCRUB refused (SMCCC \(Int64(bitPattern: answer.a0)))")
        }
    }
}
