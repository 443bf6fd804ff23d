import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE

/// What a kernel driver holding the SMC conduit can say to the secure world, and the names the
/// headers give the answers. The conduit is the `smc #0` instruction: any kernel code can
/// issue one, with any registers.
extension Lab {
    /// The SMC conduit: `smc #0`, as any kernel code can issue it.
    var conduit: any SecureMonitorConduit { board.secureMonitor }

    /// The board's OP-TEE driver (a kernel client uses the same `tee_core` entry points).
    func teeDriver() throws -> OPTEEDriver {
        guard let driver = board.teeDriver else { throw AttackSetupError("board \(board.name) has no OP-TEE") }
        return driver
    }

    /// The board's FF-A driver (`drivers/firmware/arm_ffa`, as a kernel client calls it).
    func ffaDriver() throws -> FFADriver {
        guard let driver = board.ffaDriver else { throw AttackSetupError("board \(board.name) has no FF-A driver") }
        return driver
    }

    /// `PROTMEM_SIP_SCRUB(range)` as a raw SMC, and its answer as SMCCC names it.
    func sipScrub(_ range: PhysicalRange) -> Observation {
        let answer = conduit.smc(SMCRegisters(ProtMemSiP.scrub, range.base.rawValue, range.size))
        let status = SecureCallNames.smccc(answer.a0)
        return Observation(answer.a0 == ProtMemSiP.success ? .succeeded : .smc(status), "PROTMEM_SIP_SCRUB(\(range)) answered \(status)")
    }

    // MARK: MediaTek's secure-memory TA

    /// A session of the attacker's own with the secure-memory TA.
    func openSecureMemorySession() throws -> TEESession {
        let opened: (session: TEESession?, outcome: TEEOutcome, parameters: [OPTEEMessageParameter])
        do {
            opened = try teeDriver().openSession(MediaTekSecureMemory.uuid, login: .reeKernel)
        } catch let error as AttackSetupError {
            throw error
        } catch {
            throw AttackSetupError("OPEN_SESSION to the secure-memory TA failed: \(error)")
        }
        guard let session = opened.session else { throw AttackSetupError("the secure-memory TA refused a session: \(opened.outcome)") }
        return session
    }

    /// `SECMEM_ZALLOC` of `size` bytes from the TA's carve-out in `session`: the handle and
    /// the buffer's physical base.
    func secureMemoryAllocate(_ size: UInt64, in session: TEESession) throws -> (handle: UInt32, base: UInt64) {
        let answer = try secureMemoryCall(MediaTekSecureMemory.zalloc, in: session, [
            .value(.valueInput, a: size, b: pageSize),
            .value(.valueInput, a: UInt64(MediaTekSecureMemory.MemoryType.carveout.rawValue)),
            .value(.valueInout),
            .value(.valueOutput),
        ])
        guard answer.outcome.isSuccess, answer.parameters.count == 4 else { throw AttackSetupError("SECMEM_ZALLOC answered \(answer.outcome)") }
        return (UInt32(truncatingIfNeeded: answer.parameters[3].a), answer.parameters[2].b)
    }

    /// `SECMEM_FREE` of `handle` in `session`.
    func secureMemoryFree(_ handle: UInt32, in session: TEESession) throws -> TEEOutcome {
        try secureMemoryCall(MediaTekSecureMemory.free, in: session, [.value(.valueInput, a: UInt64(handle)), .value(.valueOutput)]).outcome
    }

    /// `SECMEM_RETRIEVE_SG` of `handle` in `session`, the entries written into `shared`.
    func secureMemoryRetrieve(_ handle: UInt32, in session: TEESession, into shared: PhysicalRange) throws -> TEEOutcome {
        try secureMemoryCall(MediaTekSecureMemory.retrieveSG, in: session, [
            .value(.valueInput, a: UInt64(handle)),
            .tmem(.tmemInout, bufferPointer: shared.base.rawValue, size: shared.size),
        ]).outcome
    }

    private func secureMemoryCall(_ command: UInt32, in session: TEESession,
                                  _ parameters: [OPTEEMessageParameter]) throws -> (outcome: TEEOutcome, parameters: [OPTEEMessageParameter]) {
        do {
            return try teeDriver().invoke(session, function: command, parameters: parameters)
        } catch let error as AttackSetupError {
            throw error
        } catch {
            throw AttackSetupError("INVOKE_COMMAND 0x\(String(command, radix: 16)) failed at the SMC: \(error)")
        }
    }

    /// A page of the kernel's own (shared memory for TEE output, an FF-A constituent).
    func kernelPage() throws -> PhysicalRange {
        guard let page = board.pageAllocator.allocateZeroed(order: 0) else { throw AttackSetupError("no free page") }
        return page
    }

    // MARK: OP-TEE's dynamic pool

    /// The cookie and range of the last `LEND_PROTMEM` the driver sent, read back from its
    /// argument page: the message stays in that page of ordinary kernel memory after the call,
    /// where any kernel code can read it.
    func lastLend() throws -> (cookie: UInt64, range: PhysicalRange) {
        let driver = try teeDriver()
        guard let bytes = try? board.bus.read(.cpuNonSecure, driver.argumentPage), let message = OPTEEMessageArgument.decode(bytes),
              message.command == OPTEEMessageCommand.lendProtectedMemory.rawValue, message.parameters.count == 2,
              let range = PhysicalRange(base: PhysicalAddress(message.parameters[1].a), size: message.parameters[1].b) else {
            throw AttackSetupError("the driver's argument page holds no LEND_PROTMEM message")
        }
        return (message.parameters[1].c, range)
    }

    /// The result the last message through the driver's argument page came back with.
    func lastTEEResult() -> TEEResult? {
        guard let driver = board.teeDriver, let bytes = try? board.bus.read(.cpuNonSecure, driver.argumentPage),
              let message = OPTEEMessageArgument.decode(bytes) else { return nil }
        return TEEResult(rawValue: message.result)
    }
}

/// Status names as the headers spell them.
enum SecureCallNames {
    /// SMCCC return codes (`arm-smccc.h`) and ProtMem's SiP denial.
    static func smccc(_ a0: UInt64) -> String {
        switch Int64(bitPattern: a0) {
        case 0: "SMCCC_RET_SUCCESS"
        case -1: "SMCCC_RET_NOT_SUPPORTED"
        case -2: "SMCCC_RET_NOT_REQUIRED"
        case -3: "SMCCC_RET_INVALID_PARAMETER"
        case -4: "PROTMEM_SIP_DENIED"
        case let other: "SMCCC \(other)"
        }
    }

    /// `OPTEE_SMC_RETURN_*` (`optee_smc.h`).
    static func opteeSMC(_ a0: UInt64) -> String {
        switch a0 {
        case OPTEESMC.returnOK: "OPTEE_SMC_RETURN_OK"
        case OPTEESMC.returnThreadLimit: "OPTEE_SMC_RETURN_ETHREAD_LIMIT"
        case OPTEESMC.returnBusy: "OPTEE_SMC_RETURN_EBUSY"
        case OPTEESMC.returnBadAddress: "OPTEE_SMC_RETURN_EBADADDR"
        case OPTEESMC.returnBadCommand: "OPTEE_SMC_RETURN_EBADCMD"
        case OPTEESMC.returnNoMemory: "OPTEE_SMC_RETURN_ENOMEM"
        case OPTEESMC.returnNotAvailable: "OPTEE_SMC_RETURN_ENOTAVAIL"
        case OPTEESMC.returnUnknownFunction: "OPTEE_SMC_RETURN_UNKNOWN_FUNCTION"
        default: "OPTEE_SMC_RETURN 0x\(String(a0, radix: 16))"
        }
    }

    /// `FFA_RET_*` (`arm_ffa.h`) of an `FFA_ERROR` answer, or `FFA_SUCCESS`.
    static func ffa(_ answer: SMCRegisters) -> String {
        guard answer.a0 == FFA.error else {
            return answer.a0 == FFA.success32 || answer.a0 == FFA.success64 ? "FFA_SUCCESS" : "0x\(String(answer.a0, radix: 16))"
        }
        let code = Int32(bitPattern: UInt32(truncatingIfNeeded: answer.a2))
        let names: [Int32: String] = [
            -1: "FFA_RET_NOT_SUPPORTED", -2: "FFA_RET_INVALID_PARAMETERS", -3: "FFA_RET_NO_MEMORY", -4: "FFA_RET_BUSY",
            -5: "FFA_RET_INTERRUPTED", -6: "FFA_RET_DENIED", -7: "FFA_RET_RETRY", -8: "FFA_RET_ABORTED", -9: "FFA_RET_NO_DATA",
        ]
        return names[code] ?? "FFA_ERROR \(code)"
    }
}
