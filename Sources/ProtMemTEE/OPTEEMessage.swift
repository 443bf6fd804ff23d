import ProtMemMemory

/// `OPTEE_MSG_CMD_*`
public enum OPTEEMessageCommand: UInt32, Hashable, Sendable, CaseIterable {
    case openSession = 0
    case invokeCommand = 1
    case closeSession = 2
    case cancel = 3
    case registerSHM = 4
    case unregisterSHM = 5
    case doBottomHalf = 6
    case stopAsyncNotification = 7
    case lendProtectedMemory = 8
    case reclaimProtectedMemory = 9
    case getProtectedMemoryConfig = 10
    case assignProtectedMemory = 11
}

/// `OPTEE_MSG_PROTMEM_*`: what protected memory is for. The values equal the kernel's
/// `enum tee_dma_heap_id`, which is how a heap id becomes a use case.
public enum ProtectedMemoryUseCase: UInt32, Hashable, Sendable, CaseIterable, Codable {
    case reserved = 0
    case secureVideoPlay = 1
    case trustedUI = 2
    case secureVideoRecord = 3

    /// The dma-heap name `tee_heap.c` gives this use case.
    public var heapName: String? {
        switch self {
        case .reserved: nil
        case .secureVideoPlay: "protected,secure-video"
        case .trustedUI: "protected,trusted-ui"
        case .secureVideoRecord: "protected,secure-video-record"
        }
    }
}

/// One `struct optee_msg_param`: a 64-bit attribute word and a 24-byte union, kept raw as
/// the wire has it, with typed views. 32 bytes on the wire.
public struct OPTEEMessageParameter: Hashable, Sendable {
    /// `OPTEE_MSG_ATTR_TYPE_*`
    public enum Kind: UInt64, Hashable, Sendable {
        case none = 0x0
        case valueInput = 0x1
        case valueOutput = 0x2
        case valueInout = 0x3
        case rmemInput = 0x5
        case rmemOutput = 0x6
        case rmemInout = 0x7
        case tmemInput = 0x9
        case tmemOutput = 0xA
        case tmemInout = 0xB

        public var isValue: Bool { (1...3).contains(rawValue) }
        public var isRMEM: Bool { (5...7).contains(rawValue) }
        public var isTMEM: Bool { (9...11).contains(rawValue) }
        public var isInput: Bool { rawValue & 0x3 == 0x1 || rawValue & 0x3 == 0x3 }
        public var isOutput: Bool { rawValue & 0x3 == 0x2 || rawValue & 0x3 == 0x3 }
    }

    /// `OPTEE_MSG_ATTR_TYPE_MASK`
    public static let typeMask: UInt64 = 0xFF
    /// `OPTEE_MSG_ATTR_META`
    public static let meta: UInt64 = 1 << 8
    /// `OPTEE_MSG_ATTR_NONCONTIG`
    public static let nonContiguous: UInt64 = 1 << 9
    public static let size = 32

    public var attr: UInt64
    /// The union as three 64-bit words: value a/b/c, tmem buf_ptr/size/shm_ref, rmem offs/size/shm_ref.
    public var a: UInt64
    public var b: UInt64
    public var c: UInt64

    public init(attr: UInt64, a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0) {
        self.attr = attr
        self.a = a
        self.b = b
        self.c = c
    }

    public static func value(_ kind: Kind, a: UInt64 = 0, b: UInt64 = 0, c: UInt64 = 0, meta: Bool = false) -> Self {
        Self(attr: kind.rawValue | (meta ? Self.meta : 0), a: a, b: b, c: c)
    }

    public static func tmem(_ kind: Kind, bufferPointer: UInt64, size: UInt64, shmRef: UInt64 = 0) -> Self {
        Self(attr: kind.rawValue, a: bufferPointer, b: size, c: shmRef)
    }

    public static func rmem(_ kind: Kind, offset: UInt64, size: UInt64, shmRef: UInt64) -> Self {
        Self(attr: kind.rawValue, a: offset, b: size, c: shmRef)
    }

    public static let none = Self(attr: 0)

    /// The parameter type, or `nil` for a type byte OP-TEE does not define.
    public var kind: Kind? { Kind(rawValue: attr & Self.typeMask) }
    public var isMeta: Bool { attr & Self.meta != 0 }
}

/// `struct optee_msg_arg`: the argument block of `OPTEE_SMC_CALL_WITH_ARG`, 32 bytes of header
/// and 32 bytes a parameter, little-endian, in shared memory.
public struct OPTEEMessageArgument: Hashable, Sendable {
    public var command: UInt32
    public var function: UInt32
    public var session: UInt32
    public var cancelID: UInt32
    public var result: UInt32
    public var resultOrigin: UInt32
    public var parameters: [OPTEEMessageParameter]

    public static let headerSize = 32
    /// `OPTEE_MSG_GET_ARG_SIZE(n)`
    public static func size(parameterCount: Int) -> Int { headerSize + OPTEEMessageParameter.size * parameterCount }

    public init(command: OPTEEMessageCommand, function: UInt32 = 0, session: UInt32 = 0, parameters: [OPTEEMessageParameter] = []) {
        self.command = command.rawValue
        self.function = function
        self.session = session
        self.cancelID = 0
        self.result = 0
        self.resultOrigin = 0
        self.parameters = parameters
    }

    public var outcome: TEEOutcome {
        TEEOutcome(TEEResult(rawValue: result), TEEOrigin(rawValue: resultOrigin) ?? .comms)
    }

    /// The bytes as they lie in shared memory.
    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Self.size(parameterCount: parameters.count))
        for word in [command, function, session, cancelID, 0, result, resultOrigin, UInt32(truncatingIfNeeded: parameters.count)] {
            bytes.appendLittleEndian(word)
        }
        for parameter in parameters {
            for word in [parameter.attr, parameter.a, parameter.b, parameter.c] { bytes.appendLittleEndian(word) }
        }
        return bytes
    }

    /// The header's `num_params` field of an encoded block, or `nil` if it is too short.
    public static func parameterCount(in header: [UInt8]) -> UInt32? {
        header.count >= headerSize ? header.littleEndian(UInt32.self, at: 28) : nil
    }

    /// Decodes a block whose size was checked against its `num_params` by the caller. Never
    /// traps: a short block decodes as `nil`.
    public static func decode(_ bytes: [UInt8]) -> OPTEEMessageArgument? {
        guard let count = parameterCount(in: bytes), bytes.count >= size(parameterCount: Int(count)) else { return nil }
        var argument = OPTEEMessageArgument(command: .openSession)
        argument.command = bytes.littleEndian(UInt32.self, at: 0)
        argument.function = bytes.littleEndian(UInt32.self, at: 4)
        argument.session = bytes.littleEndian(UInt32.self, at: 8)
        argument.cancelID = bytes.littleEndian(UInt32.self, at: 12)
        argument.result = bytes.littleEndian(UInt32.self, at: 20)
        argument.resultOrigin = bytes.littleEndian(UInt32.self, at: 24)
        argument.parameters = (0..<Int(count)).map { index in
            let base = headerSize + index * OPTEEMessageParameter.size
            return OPTEEMessageParameter(attr: bytes.littleEndian(UInt64.self, at: base), a: bytes.littleEndian(UInt64.self, at: base + 8),
                                         b: bytes.littleEndian(UInt64.self, at: base + 16), c: bytes.littleEndian(UInt64.self, at: base + 24))
        }
        return argument
    }
}
