import ProtMemMemory

/// The Arm FF-A ABI as Linux's `arm_ffa.h` spells it: function ids (SMC32 `0x84000000|n`,
/// SMC64 `0xC4000000|n`), error codes and their errno mapping.
public enum FFA {
    public static let error: UInt64 = 0x8400_0060
    public static let success32: UInt64 = 0x8400_0061
    public static let success64: UInt64 = 0xC400_0061
    /// `FFA_RXTX_MAP` (64-bit): a1 = TX buffer, a2 = RX buffer, a3 = pages.
    public static let rxtxMap: UInt64 = 0xC400_0066
    public static let memoryLend: UInt64 = 0xC400_0072
    public static let memoryShare: UInt64 = 0xC400_0073
    /// `FFA_MEM_RECLAIM`: 32-bit only; a1/a2 = handle low/high, a3 = flags.
    public static let memoryReclaim: UInt64 = 0x8400_0077
    /// `FFA_MSG_SEND_DIRECT_REQ`: a1 = sender id << 16 | receiver id, a3…a7 = the message.
    public static let messageSendDirectRequest32: UInt64 = 0x8400_006F
    public static let messageSendDirectRequest64: UInt64 = 0xC400_006F
    /// `FFA_MSG_SEND_DIRECT_RESP`: a1 = responder << 16 | requester, a3…a7 = the answer.
    public static let messageSendDirectResponse32: UInt64 = 0x8400_0070

    /// The one message the model's borrowing endpoints take in a direct request (`a3`); the
    /// protocol is the endpoint's own, as every secure partition defines its own, so the
    /// numbers are ProtMem's.
    public enum EndpointMessage: UInt64, Sendable {
        /// a4/a5 = handle low/high: the lender is done with the memory; the endpoint
        /// relinquishes it (`FFA_MEM_RELINQUISH`) so the lender may reclaim it.
        case relinquish = 1
    }

    /// An endpoint's answer to an ``EndpointMessage`` (`a3` of the direct response).
    public enum EndpointStatus: Int32, Sendable, Hashable {
        case success = 0
        case notSupported = -1
        /// No transaction with that handle was made with this endpoint.
        case noSuchHandle = -2
        /// The endpoint has already relinquished the handle.
        case notHeld = -3

        /// The errno the normal-world driver reports for it; `nil` for success.
        public var errno: Errno? {
            switch self {
            case .success: nil
            case .notSupported: .notSupported
            case .noSuchHandle: .invalidArgument
            case .notHeld: .invalidArgument
            }
        }
    }

    /// `FFA_RET_*`
    public enum ErrorCode: Int32, Sendable, Hashable {
        case notSupported = -1
        case invalidParameters = -2
        case noMemory = -3
        case busy = -4
        case interrupted = -5
        case denied = -6
        case retry = -7
        case aborted = -8
        case noData = -9
        case notReady = -10

        /// `ffa_to_linux_errno` (drivers/firmware/arm_ffa/driver.c, `ffa_linux_errmap`).
        public var errno: Errno {
            switch self {
            case .notSupported: .notSupported
            case .invalidParameters: .invalidArgument
            case .noMemory: .noMemory
            case .busy: .resourceBusy
            case .interrupted: .interrupted
            case .denied: .permissionDenied
            case .retry: Errno(rawValue: 11)
            case .aborted: Errno(rawValue: 125)
            case .noData: Errno(rawValue: 61)
            case .notReady: Errno(rawValue: 11)
            }
        }
    }

    /// The endpoint id of the normal-world host (VM 0).
    public static let hostEndpoint: UInt16 = 0x0000
    /// `FFA_MEM_RW` in a memory access permissions descriptor.
    public static let readWrite: UInt8 = 1 << 1
    /// `FFA_MEM_RO`
    public static let readOnly: UInt8 = 1 << 0

    /// An error answer: `FFA_ERROR` with the code in `a2`.
    public static func errorRegisters(_ code: ErrorCode) -> SMCRegisters {
        SMCRegisters(error, 0, UInt64(UInt32(bitPattern: code.rawValue)))
    }
}

/// A memory transaction descriptor (`struct ffa_mem_region`, FF-A v1.1 layout) with one
/// endpoint memory access descriptor and one composite region: what a lend or share sends
/// through the TX buffer.
///
/// Layout: a 48-byte header (sender u16, attributes u16, flags u32, handle u64, tag u64,
/// access-descriptor size u32, count u32, offset u32, 12 reserved), the 16-byte access
/// descriptor (receiver u16, permissions u8, flags u8, composite offset u32, reserved u64),
/// then the composite (total pages u32, range count u32, reserved u64) and 16-byte
/// constituents (address u64, pages u32, reserved u32).
public struct FFAMemoryRegion: Hashable, Sendable {
    public var sender: UInt16
    public var tag: UInt64
    public var receiver: UInt16
    public var permissions: UInt8
    public var constituents: [PhysicalRange]

    public static let headerSize = 48
    public static let accessDescriptorSize = 16
    public static let compositeHeaderSize = 16
    public static let constituentSize = 16

    public init(sender: UInt16, tag: UInt64, receiver: UInt16, permissions: UInt8, constituents: [PhysicalRange]) {
        self.sender = sender
        self.tag = tag
        self.receiver = receiver
        self.permissions = permissions
        self.constituents = constituents
    }

    public var encodedSize: Int { Self.headerSize + Self.accessDescriptorSize + Self.compositeHeaderSize + Self.constituentSize * constituents.count }

    public func encoded() -> [UInt8] {
        var bytes: [UInt8] = []
        func put<T: FixedWidthInteger>(_ value: T) { bytes.appendLittleEndian(value) }
        let compositeOffset = UInt32(Self.headerSize + Self.accessDescriptorSize)
        put(sender); put(UInt16(0)); put(UInt32(0)); put(UInt64(0)); put(tag)
        put(UInt32(Self.accessDescriptorSize)); put(UInt32(1)); put(UInt32(Self.headerSize))
        bytes += [UInt8](repeating: 0, count: 12)
        put(receiver); put(permissions); put(UInt8(0)); put(compositeOffset); put(UInt64(0))
        put(UInt32(truncatingIfNeeded: constituents.reduce(0) { $0 + $1.pageCount })); put(UInt32(constituents.count)); put(UInt64(0))
        for range in constituents {
            put(range.base.rawValue); put(UInt32(truncatingIfNeeded: range.pageCount)); put(UInt32(0))
        }
        return bytes
    }

    /// Decodes and checks a descriptor: exactly one receiver, offsets inside `bytes`, the
    /// composite's page total equal to its constituents', every constituent a non-empty
    /// run of whole pages. `nil` for anything else.
    public static func decode(_ bytes: [UInt8]) -> FFAMemoryRegion? {
        func field<T: FixedWidthInteger>(_ type: T.Type, _ offset: Int) -> T? {
            offset >= 0 && offset + MemoryLayout<T>.size <= bytes.count ? bytes.littleEndian(type, at: offset) : nil
        }
        func u16(_ o: Int) -> UInt16? { field(UInt16.self, o) }
        func u32(_ o: Int) -> UInt32? { field(UInt32.self, o) }
        func u64(_ o: Int) -> UInt64? { field(UInt64.self, o) }
        guard let sender = u16(0), let tag = u64(16), let accessSize = u32(24), accessSize == UInt32(accessDescriptorSize),
              let count = u32(28), count == 1, let accessOffset = u32(32), Int(accessOffset) >= headerSize,
              let receiver = u16(Int(accessOffset)), Int(accessOffset) + 3 < bytes.count,
              let compositeOffset = u32(Int(accessOffset) + 4), Int(compositeOffset) >= headerSize,
              let totalPages = u32(Int(compositeOffset)), let rangeCount = u32(Int(compositeOffset) + 4),
              rangeCount > 0, rangeCount <= 256 else { return nil }
        let permissions = bytes[Int(accessOffset) + 2]
        var constituents: [PhysicalRange] = []
        var pages: UInt64 = 0
        for index in 0..<Int(rangeCount) {
            let offset = Int(compositeOffset) + compositeHeaderSize + index * constituentSize
            guard let address = u64(offset), let count = u32(offset + 8), count > 0, address & (pageSize - 1) == 0,
                  let range = PhysicalRange(base: PhysicalAddress(address), size: UInt64(count) << pageShift) else { return nil }
            constituents.append(range)
            pages += UInt64(count)
        }
        guard pages == UInt64(totalPages) else { return nil }
        return FFAMemoryRegion(sender: sender, tag: tag, receiver: receiver, permissions: permissions, constituents: constituents)
    }
}
