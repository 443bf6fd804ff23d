import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// The normal-world OP-TEE driver (`drivers/tee/optee`, SMC ABI): it owns one page of shared
/// memory for message arguments, writes each `struct optee_msg_arg` there, and issues
/// `OPTEE_SMC_CALL_WITH_ARG` with the page's physical address. Nothing else crosses.
///
/// It also plays `tee_core` for kernel clients (`tee_client_open_session`, …): sessions,
/// invocations, and the protected-memory commands its pools need.
public final class OPTEEDriver: Sendable {
    /// `MAX_ARG_PARAM_COUNT` in `call.c`.
    public static let maximumArgumentParameters = 6

    public let conduit: any SecureMonitorConduit
    public let bus: Bus
    let pages: PageAllocator
    /// The shared page message arguments are written to.
    public let argumentPage: PhysicalRange
    public let capabilities: OPTEESMC.SecureCapabilities
    /// Serialises use of the argument page, as one thread's call holds its slot.
    private let callLock = Mutex(())
    private let registered = Mutex(true)
    private let unregisterHooks = Mutex<[@Sendable () -> Void]>([])

    /// Probes OP-TEE: `ENODEV` when nothing answers `EXCHANGE_CAPABILITIES`, `ENOMEM` when no
    /// page can be had for arguments.
    public init(conduit: any SecureMonitorConduit, bus: Bus, pages: PageAllocator) throws(Errno) {
        let answer = conduit.smc(SMCRegisters(OPTEESMC.exchangeCapabilities))
        guard answer.a0 == OPTEESMC.returnOK else { throw .noSuchDevice }
        guard let page = pages.allocateZeroed(order: 0) else { throw .noMemory }
        self.conduit = conduit
        self.bus = bus
        self.pages = pages
        self.argumentPage = page
        self.capabilities = OPTEESMC.SecureCapabilities(rawValue: answer.a1)
    }

    /// Whether the TEE device is still registered (`tee_device_unregister` not yet run).
    public var isRegistered: Bool { registered.withLock { $0 } }

    /// `tee_device_unregister`: the device goes; heaps built on it learn it first.
    public func unregister() {
        let hooks = registered.withLock { alive -> [@Sendable () -> Void] in
            guard alive else { return [] }
            alive = false
            return unregisterHooks.withLock { $0 }
        }
        for hook in hooks { hook() }
    }

    /// Runs `hook` when the device unregisters (how `tee_device_put_all_dma_heaps` is reached).
    public func onUnregister(_ hook: @escaping @Sendable () -> Void) {
        unregisterHooks.withLock { $0.append(hook) }
    }

    /// Frees the argument page (driver removal, and tests that account for every page).
    public func releaseArgumentPage() {
        try? pages.free(argumentPage)
    }

    // MARK: Calls

    /// `optee_smc_do_call_with_arg`: writes `argument`, calls, reads it back. An SMC that does
    /// not return OK comes back as `TEEC_ERROR_COMMUNICATION` from `TEEC_ORIGIN_COMMS`, as
    /// `call.c` reports it. `EINVAL` for more than six parameters; `ENODEV` once unregistered.
    public func call(_ argument: OPTEEMessageArgument) throws(Errno) -> OPTEEMessageArgument {
        guard argument.parameters.count <= Self.maximumArgumentParameters else { throw .invalidArgument }
        guard isRegistered else { throw .noSuchDevice }
        return try callLock.withLock { _ throws(Errno) -> OPTEEMessageArgument in
            let bytes = argument.encoded()
            do {
                try bus.write(.cpuNonSecure, at: argumentPage.base, bytes: bytes)
            } catch {
                throw .badAddress
            }
            let (high, low) = SMCRegisters.splitting(argumentPage.base.rawValue)
            let answer = conduit.smc(SMCRegisters(OPTEESMC.callWithArg, high, low))
            var result = argument
            if answer.a0 == OPTEESMC.returnOK,
               let back = try? bus.read(.cpuNonSecure, PhysicalRange(base: argumentPage.base, size: UInt64(bytes.count))!),
               let decoded = OPTEEMessageArgument.decode(back) {
                result = decoded
            } else {
                result.result = TEEResult.communication.rawValue
                result.resultOrigin = TEEOrigin.comms.rawValue
            }
            return result
        }
    }

    /// `GET_PROTMEM_CONFIG` over the SMC ABI: the static range and PA width, or `nil` when
    /// OP-TEE answers anything but OK.
    public func staticProtectedMemoryConfig() -> (range: PhysicalRange, physicalAddressWidth: UInt64)? {
        let answer = conduit.smc(SMCRegisters(OPTEESMC.getProtectedMemoryConfig))
        guard answer.a0 == OPTEESMC.returnOK, let range = PhysicalRange(base: PhysicalAddress(answer.a1), size: answer.a2) else { return nil }
        return (range, answer.a3)
    }
}
