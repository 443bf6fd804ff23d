@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE
import Synchronization

/// OP-TEE OS as far as the normal world can observe it: the SMC entry, the message protocol
/// with OP-TEE's own checks (`entry_std.c`, `thread_optee_smc.c`), trusted applications
/// by UUID, sessions, and protected memory (static at boot, or lent at run time).
///
/// Everything arrives as registers and as bytes the normal world wrote into its own memory;
/// they are read over the bus as the secure CPU and validated before anything acts on them.
/// A malformed call gets an SMC error code or a TEE result back, never a trap.
public final class OPTEEOS: Sendable {
    /// `OPTEE_MSG_MAX_NUM_PARAMS` as the CVE-2022-46152 fix bounds it.
    public static let maximumMessageParameters: UInt32 = 127
    /// `TEE_NUM_PARAMS`: parameters a trusted application takes.
    public static let taParameterCount = 4

    let environment: TAEnvironment
    public let configuration: OPTEEConfiguration

    struct Session {
        let application: any TrustedApplication
    }

    struct State {
        var applications: [TEEUUID: any TrustedApplication] = [:]
        var sessions: [UInt32: Session] = [:]
        var nextSession: UInt32 = 1
        /// Memory lent with `LEND_PROTMEM`, by the normal world's cookie.
        var lent: [UInt64: ProtectionRecord] = [:]
        /// Set when the board injects a failure for the next protected-memory command.
        var failNextProtectedMemoryCommand: TEEResult?
        /// Every `RECLAIM_PROTMEM` answers `TEE_ERROR_BUSY` while set (fault injection), and
        /// how many were refused so.
        var refusingReclaims = false
        var reclaimsRefused = 0
        var staticProtection: ProtectionRecord?
    }

    let state = Mutex(State())

    /// Boots OP-TEE: protects the static pool, if any, with the firewall. Fails when the
    /// firewall cannot take it. The OS does not keep `monitor` alive (the monitor holds the
    /// OS once attached to it): keep the monitor for as long as the OS is used.
    @_spi(SecureWorld)
    public init(monitor: SecureMonitor, configuration: OPTEEConfiguration) throws(FirewallError) {
        self.environment = TAEnvironment(bus: monitor.bus, monitor: monitor)
        self.configuration = configuration
        if let pool = configuration.staticPool {
            let grant = configuration.grants[pool.useCase] ?? OPTEEConfiguration.Grant(readers: [], writers: [])
            let record = try monitor.protect(pool.range, readers: grant.readers, writers: grant.writers,
                                             owner: "optee", reason: "static protected memory for \(pool.useCase.heapName ?? "reserved")",
                                             allocator: .normalWorld)
            state.withLock { $0.staticProtection = record }
        }
    }

    /// Installs a trusted application (as OP-TEE loads an early or a REE-loaded TA).
    @_spi(SecureWorld)
    public func install(_ application: any TrustedApplication) {
        state.withLock { $0.applications[application.uuid] = application }
    }

    public var openSessions: Int { state.withLock { $0.sessions.count } }

    /// The installed trusted application with `uuid`.
    public func application(_ uuid: TEEUUID) -> (any TrustedApplication)? {
        state.withLock { $0.applications[uuid] }
    }
    /// Ranges lent to OP-TEE now, by cookie.
    public var lentRanges: [PhysicalRange] { state.withLock { $0.lent.values.map(\.range).sorted { $0.base < $1.base } } }

    /// While `on`, every `RECLAIM_PROTMEM` answers `TEE_ERROR_BUSY`, as when a secure
    /// endpoint still uses the memory (fault injection); returns how many were refused so far.
    @_spi(SecureWorld)
    @discardableResult
    public func refuseReclaims(_ on: Bool) -> Int {
        state.withLock { state in
            state.refusingReclaims = on
            return state.reclaimsRefused
        }
    }

    /// Makes the next `LEND_PROTMEM`/`RECLAIM_PROTMEM` answer `result` (fault injection).
    @_spi(SecureWorld)
    public func failNextProtectedMemoryCommand(with result: TEEResult) {
        state.withLock { $0.failNextProtectedMemoryCommand = result }
    }

    var capabilities: OPTEESMC.SecureCapabilities {
        var caps: OPTEESMC.SecureCapabilities = [.dynamicSHM, .memrefNull]
        if configuration.staticPool != nil { caps.insert(.protectedMemory) }
        if configuration.dynamicPool != nil { caps.insert(.dynamicProtectedMemory) }
        return caps
    }

    // MARK: SMC entry

    /// Whether `function` is one of OP-TEE's SMC function ids.
    static func owns(_ function: UInt64) -> Bool {
        function & 0xFF00_0000 == 0x3200_0000 || function & 0xFF00_0000 == 0xB200_0000
    }

    func handle(_ registers: SMCRegisters) -> SMCRegisters {
        switch registers.a0 {
        case OPTEESMC.exchangeCapabilities:
            return SMCRegisters(OPTEESMC.returnOK, capabilities.rawValue, 0, 0)
        case OPTEESMC.getProtectedMemoryConfig:
            guard let pool = configuration.staticPool else { return SMCRegisters(OPTEESMC.returnNotAvailable) }
            return SMCRegisters(OPTEESMC.returnOK, pool.range.base.rawValue, pool.range.size, configuration.physicalAddressWidth)
        case OPTEESMC.callWithArg:
            return callWithArgument(at: SMCRegisters.joining(high: registers.a1, low: registers.a2))
        default:
            return SMCRegisters(OPTEESMC.returnUnknownFunction)
        }
    }

    /// `OPTEE_SMC_CALL_WITH_ARG`: the block must be 8-byte aligned, lie in normal-world memory,
    /// and not cross its 4 KiB page; `num_params` is bounded before the size is computed.
    private func callWithArgument(at address: UInt64) -> SMCRegisters {
        let bus = environment.bus
        let badAddress = SMCRegisters(OPTEESMC.returnBadAddress)
        guard address & 7 == 0, let headerRange = PhysicalRange(base: PhysicalAddress(address), size: UInt64(OPTEEMessageArgument.headerSize)),
              isNormalWorldMemory(headerRange), let header = try? bus.privileged.read(.cpuSecure, headerRange),
              let count = OPTEEMessageArgument.parameterCount(in: header), count <= Self.maximumMessageParameters else {
            return badAddress
        }
        let size = UInt64(OPTEEMessageArgument.size(parameterCount: Int(count)))
        guard (address & (pageSize - 1)) + size <= pageSize, let range = PhysicalRange(base: PhysicalAddress(address), size: size),
              isNormalWorldMemory(range), let bytes = try? bus.privileged.read(.cpuSecure, range),
              var argument = OPTEEMessageArgument.decode(bytes) else {
            return badAddress
        }
        guard let command = OPTEEMessageCommand(rawValue: argument.command), dispatch(command, &argument) else {
            return SMCRegisters(OPTEESMC.returnBadCommand)
        }
        // Written back over the caller's block: results, session and output parameters.
        guard (try? bus.privileged.write(.cpuSecure, at: range.base, bytes: argument.encoded())) != nil else { return badAddress }
        return SMCRegisters(OPTEESMC.returnOK)
    }

    /// Memory the normal world may read and write: where an argument or a memref may live.
    func isNormalWorldMemory(_ range: PhysicalRange) -> Bool {
        environment.bus.permits(.cpuNonSecure, range, .read) && environment.bus.permits(.cpuNonSecure, range, .write)
    }

    /// Runs a command; `false` for commands this OP-TEE does not implement (the SMC then
    /// answers `EBADCMD`, as `__tee_entry_std` does).
    private func dispatch(_ command: OPTEEMessageCommand, _ argument: inout OPTEEMessageArgument) -> Bool {
        switch command {
        case .openSession: openSession(&argument)
        case .invokeCommand: invoke(&argument)
        case .closeSession: closeSession(&argument)
        case .cancel:
            guard argument.parameters.isEmpty else { return finish(&argument, .badParameters, .tee) }
            finish(&argument, .success, .tee)
        case .getProtectedMemoryConfig: getProtectedMemoryConfig(&argument)
        case .lendProtectedMemory:
            guard configuration.dynamicPool != nil else { return false }
            lendProtectedMemory(&argument)
        case .reclaimProtectedMemory:
            guard configuration.dynamicPool != nil else { return false }
            reclaimProtectedMemory(&argument)
        case .registerSHM, .unregisterSHM, .doBottomHalf, .stopAsyncNotification, .assignProtectedMemory:
            return false
        }
        return true
    }

    @discardableResult
    func finish(_ argument: inout OPTEEMessageArgument, _ result: TEEResult, _ origin: TEEOrigin) -> Bool {
        argument.result = result.rawValue
        argument.resultOrigin = origin.rawValue
        return true
    }
}
