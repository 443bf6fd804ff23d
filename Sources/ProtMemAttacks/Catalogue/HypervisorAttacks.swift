import ProtMemDMABuf
import ProtMemMemory
import ProtMemSimulation
import ProtMemTEE

/// The hypervisor: the host's stage 2 over pages lent with `FFA_MEM_LEND`, and FF-A memory
/// management asked by a kernel driver that holds the FF-A driver (or the SMC conduit).
/// Boards come from a device tree whose `protmem,pkvm` node chooses the lend model
/// (`protmem,lend-model`): `strict` (lent pages leave the host's stage 2) or `upstream`
/// (upstream pKVM: LEND is SHARE for the host, enforcement is the secure world's).
extension AttackCatalogue {
    /// A live buffer of the lend heap (`protected,secure-video`) with protected content in it,
    /// and its chunks as the codec (an importer) sees them.
    private static func lentVictim(_ lab: Lab, id: UInt64) throws -> (buffer: DMABuf, chunks: [PhysicalRange]) {
        let buffer = try lab.allocate("protected,secure-video", 0x4000)
        try lab.decode(id, into: buffer)
        return (buffer, try lab.chunks(of: buffer))
    }

    /// The pages of a live protected-carveout buffer: memory the firewall guards, which the
    /// host never owned in the sense FF-A means.
    private static func carveoutVictim(_ lab: Lab, id: UInt64) throws -> (buffer: DMABuf, chunks: [PhysicalRange]) {
        let buffer = try lab.allocate("protected-carveout", 0x4000)
        try lab.decode(id, into: buffer)
        return (buffer, try lab.chunks(of: buffer))
    }

    /// FF-A memory handles are not secrets: Hafnium and pKVM hand them out in sequence, and the
    /// model's hypervisor starts at 0x1_0000_0001. An attacker tries them in turn.
    private static let handleScan = (0x1_0000_0001 as UInt64)..<0x1_0000_0041

    static let hypervisor: [Attack] = [
        Attack("ffa-host-reads-lent-pages-strict", .hypervisor, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver reading, as the host CPU, the pages of a live lend-heap buffer (lent with FFA_MEM_LEND to the protected-media \
                   endpoint) that the decoder has written
                   """,
               expected: .fault(source: "stage2"),
               note: "under the strict lend model the host's stage 2 unmaps lent pages until they are reclaimed") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try lentVictim(lab, id: 51)
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, chunks[0].firstPage) }
        },
        Attack("ffa-host-reads-lent-pages-upstream-pkvm", .hypervisor, board: "protmem-pkvm-upstream",
               threat: """
                   the same read of a live lend-heap buffer on a board whose hypervisor follows upstream pKVM (protmem,lend-model = \"upstream\")
                   """,
               expected: .violation(.leak),
               note: """
                   upstream pKVM keeps lent pages mapped in the host's stage 2 (LEND handled as SHARE), so the read goes through; the checker \
                   reports protected content read by the host CPU
                   """,
               letThrough: """
                   upstream pKVM (\"KVM: arm64: Handle FFA_MEM_LEND calls from the host\") leaves blocking host access to lent memory to the secure \
                   world; choose protmem,lend-model = \"strict\" for the model's stricter stage 2
                   """) { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.upstream))
            let (_, chunks) = try lentVictim(lab, id: 52)
            lab.begin()
            let read = lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, chunks[0].firstPage) }
            return lab.judged(.leak, otherwise: read)
        },
        Attack("ffa-camera-reads-lent-pages", .hypervisor, board: "protmem-pkvm-strict",
               threat: "the kernel programming the camera ISP (not among the protected-media endpoint's masters) to read a live lend-heap buffer",
               expected: .fault(source: "stage2"),
               note: """
                   stage 2 admits to lent pages only the masters their endpoint is granted (the protected GPU, the codec, the display)
                   """) { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try lentVictim(lab, id: 53)
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.camera, chunks[0].firstPage) }
        },
        Attack("ffa-reclaim-live-buffer", .hypervisor, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver holding the FF-A driver sending FFA_MEM_RECLAIM for the handle of a live lend-heap buffer (found by trying \
                   handles in sequence), to get the decoded frame's pages back while the borrower still uses them
                   """,
               expected: .refused(.permissionDenied),
               note: """
                   the borrower retrieved the memory when the lend completed and has not relinquished it: FFA_MEM_RECLAIM answers FFA_DENIED, which \
                   ffa_to_linux_errno makes -EACCES; the pages stay lent
                   """) { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try lentVictim(lab, id: 54)
            let driver = try lab.ffaDriver()
            for handle in handleScan {
                do throws(Errno) {
                    try driver.reclaim(handle)
                } catch .invalidArgument {
                    continue
                } catch {
                    return Observation(.refused(error), "FFA_MEM_RECLAIM(\(hex(handle))): \(error)")
                }
                let read = lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, chunks[0].firstPage) }
                return Observation(.succeeded, "FFA_MEM_RECLAIM(\(hex(handle))) succeeded under the live buffer; a host read of its pages then: \(read)")
            }
            return Observation(.unnoticed, "no handle in \(hex(handleScan.lowerBound))..<\(hex(handleScan.upperBound)) was live")
        },
        Attack("ffa-double-lend", .hypervisor, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver that imported a live lend-heap buffer (its sg_table gives the pages) lending the same pages again with \
                   FFA_MEM_LEND
                   """,
               expected: .refused(.permissionDenied),
               note: "the pages are already lent: the host does not own them, FFA_DENIED (-EACCES), nothing changes") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try lentVictim(lab, id: 55)
            let driver = try lab.ffaDriver()
            return lab.attempt { _ = try driver.lend(chunks, to: 0x8001, tag: 1) }
        },
        Attack("ffa-share-lent-pages", .hypervisor, board: "protmem-pkvm-strict",
               threat: "a kernel driver sharing the pages of a live lend-heap buffer with FFA_MEM_SHARE (under which the host would keep access)",
               expected: .refused(.permissionDenied),
               note: "already lent, so not the host's to share: FFA_DENIED (-EACCES)") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try lentVictim(lab, id: 56)
            let driver = try lab.ffaDriver()
            return lab.attempt { _ = try driver.share(chunks, with: 0x8001, tag: 1) }
        },
        Attack("ffa-lend-carveout-memory", .hypervisor, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver lending with FFA_MEM_LEND the pages of a live protected-carveout buffer (firewall-protected memory the host does \
                   not own), so that the reclaim after it would scrub them as the secure world
                   """,
               expected: .refused(.permissionDenied),
               note: "memory a TZC-400 region protects is not the host's to lend: FFA_DENIED (-EACCES), and nothing changes") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (victim, chunks) = try carveoutVictim(lab, id: 57)
            let driver = try lab.ffaDriver()
            let lent = lab.attempt { _ = try driver.lend(chunks, to: 0x8001, tag: 1) }
            return lent.adding("the victim's buffer reads \(Lab.describe(try lab.scanOut(victim)))")
        },
        Attack("ffa-share-carveout-memory", .hypervisor, board: "protmem-pkvm-strict",
               threat: "a kernel driver sharing the pages of a live protected-carveout buffer with FFA_MEM_SHARE",
               expected: .refused(.permissionDenied),
               note: "as for LEND: firewall-protected memory is not the host's, FFA_DENIED (-EACCES)") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try carveoutVictim(lab, id: 58)
            let driver = try lab.ffaDriver()
            return lab.attempt { _ = try driver.share(chunks, with: 0x8001, tag: 1) }
        },
        Attack("ffa-lend-to-unknown-endpoint", .hypervisor, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver lending one of its own pages to FF-A endpoint 0x8002, which the board does not have, hoping for a receiver no \
                   grant constrains
                   """,
               expected: .refused(.invalidArgument),
               note: "an unknown receiver is FFA_INVALID_PARAMETERS (-EINVAL)") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let page = try lab.kernelPage()
            let driver = try lab.ffaDriver()
            return lab.attempt { _ = try driver.lend([page], to: 0x8002, tag: 1) }
        },
        Attack("ffa-rxtx-map-protected-memory", .hypervisor, board: "protmem-pkvm-strict",
               threat: """
                   a kernel driver with the SMC conduit sending FFA_RXTX_MAP with its TX buffer inside a live protected-carveout buffer, so the \
                   hypervisor would take memory descriptors from (and the host write them into) protected memory
                   """,
               expected: .refused(.invalidArgument),
               note: "the TX buffer must be memory the host may write: FFA_INVALID_PARAMETERS (-EINVAL), and the old buffers stay mapped") { attack in
            let lab = try attack.lab(try AttackBoards.hypervisor(.strict))
            let (_, chunks) = try carveoutVictim(lab, id: 59)
            let rx = try lab.kernelPage()
            let answer = lab.conduit.smc(SMCRegisters(FFA.rxtxMap, chunks[0].base.rawValue, rx.base.rawValue, 1))
            let status = SecureCallNames.ffa(answer)
            guard answer.a0 == FFA.error else { return Observation(.succeeded, "FFA_RXTX_MAP answered \(status)") }
            let code = FFA.ErrorCode(rawValue: Int32(bitPattern: UInt32(truncatingIfNeeded: answer.a2)))
            return Observation(.refused(code?.errno ?? .invalidArgument), "FFA_RXTX_MAP answered FFA_ERROR \(status)")
        },
    ]
}
