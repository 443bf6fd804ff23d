import ProtMemDMABuf
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemSimulation
import ProtMemTEE

/// Messages to OP-TEE and its trusted applications from a kernel driver that holds the TEE
/// client API and the SMC conduit: memory references into memory the normal world cannot
/// reach, another client's handles and sessions, double free and use after free, and OP-TEE's
/// dynamic protected pool reclaimed under a live buffer.
extension AttackCatalogue {
    static let tee: [Attack] = teeMessages + mediatekSessions + dynamicPool

    static let teeMessages: [Attack] = [
        Attack("tee-memref-into-protected-memory", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel TEE client asking the secure-memory TA for RETRIEVE_SG with the output memref pointing at a live protected-carveout \
                   buffer, so the TA (as the secure CPU) would write over another owner's protected content
                   """,
               expected: .tee(.badParameters),
               note: """
                   OP-TEE's copy_in_params takes a temporary memref only in memory the normal world may read and write; anything else is \
                   TEE_ERROR_BAD_PARAMETERS before the TA runs
                   """) { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let victim = try lab.allocate("protected-carveout", 0x4000)
            let target = try lab.chunks(of: victim)[0]
            let session = try lab.openSecureMemorySession()
            let own = try lab.secureMemoryAllocate(0x1000, in: session)
            let outcome = try lab.secureMemoryRetrieve(own.handle, in: session, into: PhysicalRange(base: target.base, size: 64)!)
            return Observation(outcome.result == .success ? .succeeded : .tee(outcome.result), "\(outcome)")
        },
        Attack("tee-memref-into-ta-memory", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel TEE client passing a memref into the carve-out the secure-memory TA manages itself (secure memory the normal world never \
                   owned)
                   """,
               expected: .tee(.badParameters),
               note: "the TA's carve-out is firewalled: not normal-world memory, so not a valid memref") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            guard let carveout = AttackBoards.mediatek.mediatek?.carveout else { throw AttackSetupError("no TA carve-out") }
            let session = try lab.openSecureMemorySession()
            let own = try lab.secureMemoryAllocate(0x1000, in: session)
            let outcome = try lab.secureMemoryRetrieve(own.handle, in: session, into: PhysicalRange(base: carveout.base, size: 64)!)
            return Observation(outcome.result == .success ? .succeeded : .tee(outcome.result), "\(outcome)")
        },
        Attack("tee-arg-block-in-protected-memory", .tee, board: "protmem-default",
               threat: """
                   a kernel driver issuing OPTEE_SMC_CALL_WITH_ARG with the message's physical address inside a protected-carveout buffer, so OP-TEE \
                   would read its command from, and write its results into, protected memory
                   """,
               expected: .smc("OPTEE_SMC_RETURN_EBADADDR"),
               note: "OP-TEE maps the argument block only from non-secure memory: a protected address is OPTEE_SMC_RETURN_EBADADDR") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let victim = try lab.allocate("protected-carveout", 0x4000)
            let target = try lab.chunks(of: victim)[0].base.rawValue
            let (high, low) = SMCRegisters.splitting(target)
            let answer = lab.conduit.smc(SMCRegisters(OPTEESMC.callWithArg, high, low))
            let status = SecureCallNames.opteeSMC(answer.a0)
            return Observation(answer.a0 == OPTEESMC.returnOK ? .succeeded : .smc(status), "CALL_WITH_ARG at \(hex(target)) answered \(status)")
        },
    ]

    /// The victim's restricted_mtk_cm buffer (the TA's first, so handle 1) with protected
    /// content in it, and the attacker's own session with the TA.
    private static func mediatekVictim(_ lab: Lab, id: UInt64) throws -> (buffer: DMABuf, session: TEESession) {
        let buffer = try lab.allocate("restricted_mtk_cm", 0x4000)
        try lab.decode(id, into: buffer)
        return (buffer, try lab.openSecureMemorySession())
    }

    /// Handles the secure-memory TA gives out are numbered from 1 in allocation order, so the
    /// first buffer of the board is handle 1: an attacker needs no leak to name it.
    private static let firstHandle: UInt32 = 1

    static let mediatekSessions: [Attack] = [
        Attack("tee-mtk-foreign-session-free", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel TEE client with its own session to MediaTek's secure-memory TA sending SECMEM_FREE for the handle of restricted_mtk_cm's \
                   live buffer, so the next allocation would alias its still-mapped pages
                   """,
               expected: .tee(.itemNotFound),
               note: """
                   a handle belongs to the session that allocated it: another session's handle answers as an unknown one, and nothing changes
                   """) { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let (victim, session) = try mediatekVictim(lab, id: 31)
            let outcome = try lab.secureMemoryFree(firstHandle, in: session)
            let left = Lab.describe(try lab.scanOut(victim))
            return Observation(outcome.result == .success ? .succeeded : .tee(outcome.result), "\(outcome); the victim's buffer reads \(left)")
        },
        Attack("tee-mtk-foreign-session-retrieve-sg", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel TEE client with its own session asking the secure-memory TA for RETRIEVE_SG of another session's handle, to learn where \
                   that client's protected buffer lies
                   """,
               expected: .tee(.itemNotFound),
               note: "as for FREE: another session's handle is not found, and the scatter list is not written") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let (_, session) = try mediatekVictim(lab, id: 32)
            let shared = try lab.kernelPage()
            let outcome = try lab.secureMemoryRetrieve(firstHandle, in: session, into: shared)
            let entry = try lab.board.bus.read(.cpuNonSecure, PhysicalRange(base: shared.base, size: UInt64(MediaTekSecureMemory.scatterEntrySize))!)
            let (pa, length) = (entry.littleEndianWord(at: 0, bytes: 8), entry.littleEndianWord(at: 8, bytes: 4))
            let written = entry.allSatisfy { $0 == 0 } ? "nothing was written"
                : "the shared page holds the other client's scatter entry (pa \(hex(pa)), \(length) bytes)"
            return Observation(outcome.result == .success ? .succeeded : .tee(outcome.result), "\(outcome); \(written)")
        },
        Attack("tee-mtk-double-free", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel TEE client freeing its own secure-memory handle twice, hoping the second FREE releases pages the TA has handed out again
                   """,
               expected: .tee(.itemNotFound),
               note: "the first FREE forgets the handle; the second finds nothing") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let session = try lab.openSecureMemorySession()
            let own = try lab.secureMemoryAllocate(0x2000, in: session)
            let first = try lab.secureMemoryFree(own.handle, in: session)
            guard first.isSuccess else { throw AttackSetupError("the first SECMEM_FREE answered \(first)") }
            _ = try lab.secureMemoryAllocate(0x2000, in: session)
            let second = try lab.secureMemoryFree(own.handle, in: session)
            return Observation(second.result == .success ? .succeeded : .tee(second.result), "second SECMEM_FREE: \(second)")
        },
        Attack("tee-mtk-use-after-free", .tee, board: "protmem-mediatek",
               threat: "a kernel TEE client asking RETRIEVE_SG for a handle it has freed, to learn where the TA's next buffer will be",
               expected: .tee(.itemNotFound),
               note: "a freed handle is gone") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let session = try lab.openSecureMemorySession()
            let own = try lab.secureMemoryAllocate(0x2000, in: session)
            guard try lab.secureMemoryFree(own.handle, in: session).isSuccess else { throw AttackSetupError("SECMEM_FREE failed") }
            let outcome = try lab.secureMemoryRetrieve(own.handle, in: session, into: try lab.kernelPage())
            return Observation(outcome.result == .success ? .succeeded : .tee(outcome.result), "\(outcome)")
        },
        Attack("tee-mtk-session-impersonation", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel driver with the SMC conduit sending INVOKE_COMMAND(SECMEM_FREE) under the session id of restricted_mtk_cm's own session \
                   (ids are small numbers; it guesses the ones below its own)
                   """,
               expected: .succeeded,
               note: """
                   OP-TEE names a session by its id alone and authenticates no normal-world caller, so the call is the heap's own; the TA scrubs the \
                   buffer before it reuses the pages, so no protected byte leaks, but the live dma-buf now aliases free TA memory
                   """,
               letThrough: """
                   real OP-TEE trusts the normal-world kernel with session ids (tee_core keeps userspace to its own sessions; a kernel driver at the \
                   SMC is past it)
                   """) { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let (victim, own) = try mediatekVictim(lab, id: 33)
            let driver = try lab.teeDriver()
            var answers: [String] = []
            for session in (1..<own.id).reversed() {
                let answer = try driver.call(OPTEEMessageArgument(command: .invokeCommand, function: MediaTekSecureMemory.free, session: session,
                                                                  parameters: [.value(.valueInput, a: UInt64(firstHandle)), .value(.valueOutput)]))
                answers.append("session \(session): \(answer.outcome)")
                if answer.outcome.isSuccess {
                    let left = Lab.describe(try lab.scanOut(victim))
                    return Observation(left == "zeros" ? .succeeded : .reads(left), answers.joined(separator: ", ") + "; the freed pages read \(left)")
                }
            }
            return Observation(.unnoticed, answers.joined(separator: ", "))
        },
        Attack("tee-close-foreign-session", .tee, board: "protmem-mediatek",
               threat: """
                   a kernel driver with the SMC conduit sending CLOSE_SESSION for restricted_mtk_cma's session while the heap has a live buffer, so \
                   the TA frees everything that session allocated
                   """,
               expected: .violation(.protection),
               note: """
                   the TA ends the session's buffers and, its CMA region empty, scrubs it and lifts its protection: the heap's live dma-buf is then \
                   reachable by the normal-world CPU, which the checker reports
                   """,
               letThrough: """
                   OP-TEE closes any session the normal world names, and a TA cleans up after a closed session as it must after a crashed client
                   """) { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let victim = try lab.allocate("restricted_mtk_cma", 0x4000)
            try lab.decode(34, into: victim)
            let own = try lab.openSecureMemorySession()
            let driver = try lab.teeDriver()
            // restricted_mtk_cm opened the first session, restricted_mtk_cma the second.
            let answer = try driver.call(OPTEEMessageArgument(command: .closeSession, session: own.id - 1))
            let closed = Observation(answer.outcome.isSuccess ? .succeeded : .tee(answer.outcome.result), "CLOSE_SESSION \(own.id - 1): \(answer.outcome)")
            return lab.judged(.protection, otherwise: closed)
        },
    ]

    static let dynamicPool: [Attack] = [
        Attack("tee-reclaim-live-dynamic-pool", .tee, board: "protmem-optee-dynamic",
               threat: """
                   a kernel driver with the OP-TEE driver reading the pool's cookie from the driver's argument page and sending RECLAIM_PROTMEM \
                   while a buffer the decoder has written is live, to get the protected frame back as ordinary RAM
                   """,
               expected: .refused(.invalidArgument),
               note: """
                   OP-TEE answers TEE_ERROR_BUSY while the lent range holds data not scrubbed, and keeps it protected; Linux's \
                   optee_smc_reclaim_protmem reports any failure as -EINVAL
                   """) { attack in
            let lab = try attack.lab(AttackBoards.opteeDynamic)
            let victim = try lab.allocate("protected,secure-video", 0x4000)
            let cookie = try lab.lastLend().cookie
            try lab.decode(41, into: victim)
            let range = try lab.chunks(of: victim)[0]
            let driver = try lab.teeDriver()
            do throws(Errno) {
                try driver.reclaimProtectedMemory(cookie: cookie)
            } catch {
                let still = lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range.firstPage) }
                let result = lab.lastTEEResult().map { "\($0)" } ?? "?"
                return Observation(.refused(error), "RECLAIM_PROTMEM answered \(result); a CPU read of the buffer after it: \(still)")
            }
            let read = lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range.firstPage) }
            return Observation(.succeeded, "RECLAIM_PROTMEM succeeded under a live buffer; a CPU read of it then: \(read)")
        },
        Attack("tee-reclaim-unwritten-dynamic-pool", .tee, board: "protmem-optee-dynamic",
               threat: """
                   a kernel driver sending RECLAIM_PROTMEM for the dynamic pool while its live buffer is still empty (allocated, not yet decoded \
                   into), then letting the decoder write the protected frame
                   """,
               expected: .violation(.protection),
               note: """
                   real OP-TEE cannot know which Linux buffers are live: a range no device has written yet looks free, so the reclaim succeeds \
                   and the live buffer is open to the CPU, which the checker reports; no content leaks, because the secure decode session \
                   writes only into a secure buffer and refuses the reclaimed one (the observed detail says so)
                   """,
               letThrough: "OP-TEE tracks lent ranges, not the buffers Linux sub-allocates from them") { attack in
            let lab = try attack.lab(AttackBoards.opteeDynamic)
            let victim = try lab.allocate("protected,secure-video", 0x4000)
            let cookie = try lab.lastLend().cookie
            let reclaimed = lab.attempt { try lab.teeDriver().reclaimProtectedMemory(cookie: cookie) }
            guard reclaimed.outcome == .succeeded else { return reclaimed }
            lab.begin()
            let decoded = try lab.attemptDecode(42, into: victim)
            let verdict = lab.judged(.protection, otherwise: Observation(.unnoticed, "reclaimed; the open buffer went unreported"))
            return verdict.adding("the decoder then: \(decoded)")
        },
        Attack("tee-lend-protected-memory", .tee, board: "protmem-optee-dynamic",
               threat: """
                   a kernel driver sending LEND_PROTMEM for the pages of a live protected-carveout buffer (memory the normal world does not own), so \
                   OP-TEE would scrub them and take them over
                   """,
               expected: .refused(.invalidArgument),
               note: """
                   OP-TEE takes only page-aligned normal-world memory: TEE_ERROR_BAD_PARAMETERS, which the driver reports as -EINVAL; the carve-out \
                   is untouched
                   """) { attack in
            let lab = try attack.lab(AttackBoards.opteeDynamic)
            let victim = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(43, into: victim)
            let range = try lab.chunks(of: victim)[0]
            let lent = lab.attempt { try lab.teeDriver().lendProtectedMemory(range, useCase: .secureVideoPlay, cookie: 0xBAD_C0DE) }
            let left = Lab.describe(try lab.scanOut(victim))
            return lent.adding("the victim's buffer reads \(left)")
        },
    ]
}
