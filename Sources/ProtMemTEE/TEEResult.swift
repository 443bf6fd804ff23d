/// A GlobalPlatform result code (`TEE_Result` / `TEEC_Result`), with the values of
/// `tee_api_defines.h`.
public struct TEEResult: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let success = TEEResult(rawValue: 0)
    public static let generic = TEEResult(rawValue: 0xFFFF_0000)
    public static let accessDenied = TEEResult(rawValue: 0xFFFF_0001)
    public static let cancel = TEEResult(rawValue: 0xFFFF_0002)
    public static let accessConflict = TEEResult(rawValue: 0xFFFF_0003)
    public static let excessData = TEEResult(rawValue: 0xFFFF_0004)
    public static let badFormat = TEEResult(rawValue: 0xFFFF_0005)
    public static let badParameters = TEEResult(rawValue: 0xFFFF_0006)
    public static let badState = TEEResult(rawValue: 0xFFFF_0007)
    public static let itemNotFound = TEEResult(rawValue: 0xFFFF_0008)
    public static let notImplemented = TEEResult(rawValue: 0xFFFF_0009)
    public static let notSupported = TEEResult(rawValue: 0xFFFF_000A)
    public static let noData = TEEResult(rawValue: 0xFFFF_000B)
    public static let outOfMemory = TEEResult(rawValue: 0xFFFF_000C)
    public static let busy = TEEResult(rawValue: 0xFFFF_000D)
    public static let communication = TEEResult(rawValue: 0xFFFF_000E)
    public static let security = TEEResult(rawValue: 0xFFFF_000F)
    public static let shortBuffer = TEEResult(rawValue: 0xFFFF_0010)
    public static let targetDead = TEEResult(rawValue: 0xFFFF_3024)

    private static let names: [UInt32: String] = [
        0: "TEE_SUCCESS", 0xFFFF_0000: "TEE_ERROR_GENERIC", 0xFFFF_0001: "TEE_ERROR_ACCESS_DENIED",
        0xFFFF_0002: "TEE_ERROR_CANCEL", 0xFFFF_0003: "TEE_ERROR_ACCESS_CONFLICT", 0xFFFF_0004: "TEE_ERROR_EXCESS_DATA",
        0xFFFF_0005: "TEE_ERROR_BAD_FORMAT", 0xFFFF_0006: "TEE_ERROR_BAD_PARAMETERS", 0xFFFF_0007: "TEE_ERROR_BAD_STATE",
        0xFFFF_0008: "TEE_ERROR_ITEM_NOT_FOUND", 0xFFFF_0009: "TEE_ERROR_NOT_IMPLEMENTED", 0xFFFF_000A: "TEE_ERROR_NOT_SUPPORTED",
        0xFFFF_000B: "TEE_ERROR_NO_DATA", 0xFFFF_000C: "TEE_ERROR_OUT_OF_MEMORY", 0xFFFF_000D: "TEE_ERROR_BUSY",
        0xFFFF_000E: "TEE_ERROR_COMMUNICATION", 0xFFFF_000F: "TEE_ERROR_SECURITY", 0xFFFF_0010: "TEE_ERROR_SHORT_BUFFER",
        0xFFFF_3024: "TEE_ERROR_TARGET_DEAD",
    ]

    public var description: String { Self.names[rawValue] ?? "0x" + String(rawValue, radix: 16) }
}

/// Where a result came from (`TEEC_ORIGIN_*`).
public enum TEEOrigin: UInt32, Hashable, Sendable, CustomStringConvertible {
    case api = 1
    case comms = 2
    case tee = 3
    case trustedApp = 4

    public var description: String {
        switch self {
        case .api: "TEEC_ORIGIN_API"
        case .comms: "TEEC_ORIGIN_COMMS"
        case .tee: "TEEC_ORIGIN_TEE"
        case .trustedApp: "TEEC_ORIGIN_TRUSTED_APP"
        }
    }
}

/// How a client identifies itself when opening a session (`TEEC_LOGIN_*`, `OPTEE_MSG_LOGIN_*`).
public enum TEELogin: UInt32, Hashable, Sendable {
    case `public` = 0
    case user = 1
    case group = 2
    case application = 4
    case applicationUser = 5
    case applicationGroup = 6
    /// `TEE_IOCTL_LOGIN_REE_KERNEL`: a kernel client such as a heap driver.
    case reeKernel = 0x8000_0000
}

/// A result with its origin, as a session call returns it.
public struct TEEOutcome: Hashable, Sendable, CustomStringConvertible {
    public let result: TEEResult
    public let origin: TEEOrigin
    public init(_ result: TEEResult, _ origin: TEEOrigin) {
        self.result = result
        self.origin = origin
    }
    public var isSuccess: Bool { result == .success }
    public var description: String { "\(result) from \(origin)" }
}
