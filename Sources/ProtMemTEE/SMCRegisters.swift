/// The registers of an SMC call under the SMC Calling Convention: `a0` carries the function
/// id on entry and the status on return; `a1`…`a7` carry arguments and results.
public struct SMCRegisters: Hashable, Sendable, CustomStringConvertible {
    public var a0: UInt64
    public var a1: UInt64
    public var a2: UInt64
    public var a3: UInt64
    public var a4: UInt64
    public var a5: UInt64
    public var a6: UInt64
    public var a7: UInt64

    public init(_ a0: UInt64, _ a1: UInt64 = 0, _ a2: UInt64 = 0, _ a3: UInt64 = 0, _ a4: UInt64 = 0, _ a5: UInt64 = 0, _ a6: UInt64 = 0, _ a7: UInt64 = 0) {
        (self.a0, self.a1, self.a2, self.a3, self.a4, self.a5, self.a6, self.a7) = (a0, a1, a2, a3, a4, a5, a6, a7)
    }

    /// `reg_pair_to_ptr`: a 64-bit value split across two 32-bit registers, high word first.
    public static func joining(high: UInt64, low: UInt64) -> UInt64 {
        (high & 0xFFFF_FFFF) << 32 | (low & 0xFFFF_FFFF)
    }

    /// `reg_pair_from_64`
    public static func splitting(_ value: UInt64) -> (high: UInt64, low: UInt64) {
        (value >> 32, value & 0xFFFF_FFFF)
    }

    public var description: String {
        "a0=0x\(String(a0, radix: 16)) a1=0x\(String(a1, radix: 16)) a2=0x\(String(a2, radix: 16)) a3=0x\(String(a3, radix: 16))"
    }
}

/// The `smc #0` instruction: the only way normal-world code reaches the secure world.
///
/// The normal-world drivers (OP-TEE's, FF-A's) hold one of these and nothing else of the
/// secure side; everything they say crosses as registers and as bytes in shared memory,
/// which the secure side decodes and checks before it acts. The secure monitor in
/// `ProtMemSecureWorld` is the implementation; tests may put a fault injector in between.
public protocol SecureMonitorConduit: AnyObject, Sendable {
    func smc(_ registers: SMCRegisters) -> SMCRegisters
}
