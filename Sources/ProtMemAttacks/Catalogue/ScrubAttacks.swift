import ProtMemDMABuf
import ProtMemMemory
import ProtMemSimulation

/// Scrubbing: a protected buffer's next owner must never see what the previous one left, and
/// the SiP scrub call (`PROTMEM_SIP_SCRUB`), which any kernel code can issue, must not become
/// a way to wipe memory whose allocator lives in the secure world.
extension AttackCatalogue {
    /// The victim's buffer of `heap`, written by the decoder and freed; then the attacker's
    /// buffer of the same size from the same heap (first fit: the same pages), as the display
    /// scans it out.
    private static func nextOwnerReads(_ lab: Lab, heap: String, id: UInt64) throws -> Observation {
        let victim = try lab.allocate(heap, 0x4000)
        try lab.decode(id, into: victim)
        let pages = try lab.chunks(of: victim)
        try victim.put()
        let next = try lab.allocate(heap, 0x4000)
        let reused = try lab.chunks(of: next) == pages
        let seen = Lab.describe(try lab.scanOut(next, count: 0x1000))
        return Observation(.reads(seen), reused ? "the next buffer has the previous owner's pages" : "the next buffer has other pages")
    }

    static let scrub: [Attack] = [
        Attack("scrub-carveout-next-owner", .scrub, board: "protmem-default",
               threat: """
                   an unprivileged process allocating from protected-carveout right after another client freed a decoded frame there, and having the \
                   display scan out its new buffer (a CRC unit shows what it holds)
                   """,
               expected: .reads("zeros"),
               note: "the carve-out heap asks the secure world to scrub every freed buffer before its pages return to the pool") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            return try nextOwnerReads(lab, heap: "protected-carveout", id: 61)
        },
        Attack("scrub-secure-video-next-owner", .scrub, board: "protmem-default",
               threat: "the same, on OP-TEE's static pool (protected,secure-video)",
               expected: .reads("zeros"),
               note: """
                   mainline frees straight back to the pool; the model scrubs first (scrubsOnFree, on by default), as ProtMem's invariants demand
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            return try nextOwnerReads(lab, heap: "protected,secure-video", id: 62)
        },
        Attack("scrub-secure-video-next-owner-mainline", .scrub, board: "protmem-default (mainline tee_heap pool)",
               threat: """
                   the same, with OP-TEE's static pool as mainline 6.18 registers it (tee_protmem_static_pool frees straight back to the gen_pool)
                   """,
               expected: .reads("protected content #62"),
               note: """
                   the next protected consumer sees the previous owner's frame; both are protected consumers, so no normal-world master reads it and \
                   the checker has nothing to report. The model's default pool (scrub-secure-video-next-owner) scrubs first
                   """,
               letThrough: "mainline's static pool does not scrub freed buffers") { attack in
            let lab = try attack.lab(AttackBoards.builtin, mainlineStaticPool: true)
            return try nextOwnerReads(lab, heap: "protected,secure-video", id: 62)
        },
        Attack("scrub-mtk-next-owner", .scrub, board: "protmem-mediatek",
               threat: "the same, on MediaTek's restricted_mtk_cm (the secure-memory TA's carve-out)",
               expected: .reads("zeros"),
               note: "the TA scrubs a buffer on FREE and zeroes it again on ZALLOC") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            return try nextOwnerReads(lab, heap: "restricted_mtk_cm", id: 63)
        },
        Attack("scrub-lend-heap-pages-next-owner", .scrub, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver reading, as the host CPU, the pages a freed lend-heap buffer gave back to the page allocator (the next \
                   system-heap buffer may get them)
                   """,
               expected: .reads("zeros"),
               note: """
                   the lend heap's release has the borrower relinquish and then reclaims; the hypervisor scrubs lent pages before they return to the \
                   host
                   """) { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let victim = try lab.allocate("protected,secure-video", 0x4000)
            try lab.decode(64, into: victim)
            let page = try lab.chunks(of: victim)[0].firstPage
            try victim.put()
            do {
                return Observation(.reads(Lab.describe(try lab.board.bus.read(.cpuNonSecure, page))), "the freed buffer's first page, read by the host")
            } catch {
                return lab.observation(of: error)
            }
        },
        Attack("scrub-dynamic-pool-next-owner", .scrub, board: "protmem-optee-dynamic",
               threat: """
                   a kernel driver reading, as the CPU, the CMA pages OP-TEE's dynamic pool gave back after its last buffer (a decoded frame) was \
                   freed and the pool reclaimed
                   """,
               expected: .reads("zeros"),
               note: """
                   the pool scrubs a freed buffer through the SiP call, and OP-TEE scrubs the whole range on RECLAIM_PROTMEM before the firewall \
                   opens it
                   """) { attack in
            let lab = try attack.lab(AttackBoards.opteeDynamic)
            let victim = try lab.allocate("protected,secure-video", 0x4000)
            try lab.decode(65, into: victim)
            let page = try lab.chunks(of: victim)[0].firstPage
            try victim.put()
            do {
                return Observation(.reads(Lab.describe(try lab.board.bus.read(.cpuNonSecure, page))), "the freed buffer's first page, read by the CPU")
            } catch {
                return lab.observation(of: error)
            }
        },
        Attack("sip-scrub-mtk-ta-buffer", .scrub, board: "protmem-mediatek",
               threat: """
                   a kernel driver with the SMC conduit calling PROTMEM_SIP_SCRUB on a live restricted_mtk_cm buffer (found by importing it), to \
                   wipe a buffer the secure-memory TA manages
                   """,
               expected: .smc("SMCCC_RET_INVALID_PARAMETER"),
               note: """
                   the SiP call scrubs only protections whose allocator is in the normal world (carve-out heaps, OP-TEE's pools that Linux \
                   sub-allocates); TA-managed memory is refused and untouched
                   """) { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let victim = try lab.allocate("restricted_mtk_cm", 0x4000)
            try lab.decode(66, into: victim)
            let range = try lab.chunks(of: victim)[0]
            let answer = lab.sipScrub(range)
            return answer.adding("the buffer reads \(Lab.describe(try lab.scanOut(victim)))")
        },
        Attack("sip-scrub-lent-pages", .scrub, board: "protmem-pkvm-strict",
               threat: "a kernel driver calling PROTMEM_SIP_SCRUB on the pages of a live lend-heap buffer (memory lent to the hypervisor's endpoint)",
               expected: .smc("SMCCC_RET_INVALID_PARAMETER"),
               note: "lent memory is the borrower's, not a normal-world allocator's: refused, untouched") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let victim = try lab.allocate("protected,secure-video", 0x4000)
            try lab.decode(67, into: victim)
            let answer = lab.sipScrub(try lab.chunks(of: victim)[0])
            return answer.adding("the buffer reads \(Lab.describe(try lab.scanOut(victim)))")
        },
        Attack("sip-scrub-live-carveout-buffer", .scrub, board: "protmem-default",
               threat: "a kernel driver calling PROTMEM_SIP_SCRUB on another owner's live protected-carveout buffer",
               expected: .succeeded,
               note: """
                   the carve-out's allocator is Linux's, so the secure world scrubs any range inside it it is asked to: the frame is wiped (denial \
                   of service), but no protected byte reaches the normal world and the checker has nothing to report
                   """,
               letThrough: """
                   the secure world cannot tell which Linux buffer a range of a Linux-managed pool belongs to; the kernel is trusted with integrity \
                   of its own pools
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let victim = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(68, into: victim)
            let answer = lab.sipScrub(try lab.chunks(of: victim)[0])
            let left = Lab.describe(try lab.scanOut(victim))
            let seen = lab.violations()
            guard seen.isEmpty else { return Observation(.violation(seen[0].kind), seen.map(\.description).joined(separator: "; ")) }
            return answer.adding("the buffer reads \(left)")
        },
        Attack("sip-scrub-straddling-range", .scrub, board: "protmem-default",
               threat: """
                   a kernel driver calling PROTMEM_SIP_SCRUB on a range that starts in ordinary RAM and runs into the carve-out's first live buffer
                   """,
               expected: .smc("SMCCC_RET_INVALID_PARAMETER"),
               note: "only a range wholly inside one protection is scrubbed") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let victim = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(69, into: victim)
            let start = try lab.chunks(of: victim)[0].base.rawValue - pageSize
            let answer = lab.sipScrub(PhysicalRange(base: PhysicalAddress(start), size: 2 * pageSize)!)
            return answer.adding("the buffer reads \(Lab.describe(try lab.scanOut(victim)))")
        },
    ]
}
