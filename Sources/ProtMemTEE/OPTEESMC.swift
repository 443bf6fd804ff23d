/// The OP-TEE SMC ABI (`optee_smc.h`): function ids, return codes and capabilities, with the
/// values the kernel's macros produce.
public enum OPTEESMC {
    /// `OPTEE_SMC_STD_CALL_VAL(n)`: a yielding call owned by the trusted OS.
    public static func standardCall(_ function: UInt32) -> UInt64 { 0x3200_0000 | UInt64(function) }
    /// `OPTEE_SMC_FAST_CALL_VAL(n)`
    public static func fastCall(_ function: UInt32) -> UInt64 { 0xB200_0000 | UInt64(function) }

    /// `OPTEE_SMC_CALL_WITH_ARG`: a1/a2 = physical address of a `struct optee_msg_arg`.
    public static let callWithArg = standardCall(4)
    /// `OPTEE_SMC_EXCHANGE_CAPABILITIES`
    public static let exchangeCapabilities = fastCall(9)
    /// `OPTEE_SMC_GET_PROTMEM_CONFIG`: returns a1 = start, a2 = size, a3 = PA width.
    public static let getProtectedMemoryConfig = fastCall(20)

    /// `OPTEE_SMC_RETURN_*`
    public static let returnOK: UInt64 = 0x0
    public static let returnThreadLimit: UInt64 = 0x1
    public static let returnBusy: UInt64 = 0x2
    public static let returnBadAddress: UInt64 = 0x4
    public static let returnBadCommand: UInt64 = 0x5
    public static let returnNoMemory: UInt64 = 0x6
    public static let returnNotAvailable: UInt64 = 0x7
    public static let returnUnknownFunction: UInt64 = 0xFFFF_FFFF

    /// `OPTEE_SMC_SEC_CAP_*`
    public struct SecureCapabilities: OptionSet, Hashable, Sendable {
        public let rawValue: UInt64
        public init(rawValue: UInt64) { self.rawValue = rawValue }
        public static let haveReservedSHM = SecureCapabilities(rawValue: 1 << 0)
        public static let dynamicSHM = SecureCapabilities(rawValue: 1 << 2)
        public static let memrefNull = SecureCapabilities(rawValue: 1 << 4)
        public static let protectedMemory = SecureCapabilities(rawValue: 1 << 8)
        public static let dynamicProtectedMemory = SecureCapabilities(rawValue: 1 << 9)
    }
}
