import ProtMemDMABuf
import ProtMemMemory
import ProtMemSimulation
import ProtMemTEE

/// The invariant checker itself: real leaks (paths the firewall cannot close, and what real
/// OP-TEE lets through) shaped so that a checker judging whole transactions, whole buffers
/// or masters by name alone would miss them. The checker must see protected content split
/// across transactions, judge every page and every protection record on its own, and never
/// let a grant somewhere excuse a read elsewhere.
extension AttackCatalogue {
    static let oracle: [Attack] = [
        Attack("oracle-split-marker-write", .oracle, board: "protmem-default",
               threat: """
                   the kernel programming the video codec (a reader of the carve-out, a writer of DRAM) to copy a decoded protected frame into a \
                   system-heap buffer in 8-byte bursts, so no single transaction carries a whole content marker
                   """,
               expected: .violation(.leak),
               note: """
                   the copy is the one the firewall cannot refuse (dma-codec-copies-protected-out); cut into pieces it is still protected content \
                   written into memory the CPU can read
                   """,
               letThrough: "a TZC-400 cannot refuse a granted reader's writes to ordinary DRAM") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            let leak = try lab.allocate("system", 0x4000)
            try lab.decode(71, into: secret)
            let from = try lab.chunks(of: secret)[0].base.rawValue, to = try lab.chunks(of: leak)[0].base.rawValue
            lab.begin()
            let copied = lab.attempt {
                for offset in stride(from: UInt64(0), to: UInt64(ContentMarker.size), by: 8) {
                    try lab.board.bus.copy(.codec, from: PhysicalAddress(from + offset), to: PhysicalAddress(to + offset), count: 8)
                }
            }
            return lab.judged(.leak, otherwise: copied, groundTruth: PhysicalRange(base: PhysicalAddress(to), size: UInt64(ContentMarker.size))!)
        },
        Attack("oracle-split-marker-read", .oracle, board: "protmem-default",
               threat: """
                   after the codec has copied a protected frame into a system-heap buffer, an unprivileged process mapping that buffer and loading \
                   it 8 bytes at a time, so no single read carries a whole marker
                   """,
               expected: .violation(.leak),
               note: "the checker must report the CPU's read of protected content as well as the codec's write of it, however the reads are cut",
               letThrough: "once protected content is in ordinary RAM nothing in hardware stops the CPU reading it") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(72, into: secret)
            let (process, _, fd) = try lab.process(named: "reader", allocating: 0x4000, from: "system")
            let leak = try lab.chunks(of: try lab.dmaBuf(fd, of: process))[0]
            try lab.board.bus.copy(.codec, from: try lab.chunks(of: secret)[0].base, to: leak.base, count: 0x1000)
            let address = try process.mmap(length: 0x4000, protection: .read, flags: .shared, fd: fd, offset: 0)
            lab.begin()
            let read = lab.attempt {
                for offset in stride(from: UInt64(0), to: UInt64(ContentMarker.size), by: 8) {
                    _ = try process.load(address.advanced(by: offset)!, count: 8)
                }
            }
            return lab.judged(.leak, otherwise: read, groundTruth: PhysicalRange(base: leak.base, size: UInt64(ContentMarker.size))!)
        },
        Attack("oracle-partial-opening", .oracle, board: "protmem-optee-dynamic",
               threat: """
                   a kernel driver with the OP-TEE driver reclaiming the dynamic pool while its 16-page buffer is still unwritten (which real OP-TEE \
                   allows), then lending all of the range back except the buffer's first page, so one page inside a live protected buffer is open to \
                   the CPU
                   """,
               expected: .violation(.protection),
               note: """
                   fifteen of the buffer's sixteen pages are protected again, so a check of the whole buffer sees it refused; the checker must judge \
                   page by page
                   """,
               letThrough: "OP-TEE cannot tell an unwritten lent range from a free one, and LEND_PROTMEM takes any normal-world range") { attack in
            let lab = try attack.lab(AttackBoards.opteeDynamic)
            let victim = try lab.allocate("protected,secure-video", 0x10000)
            let (cookie, lent) = try lab.lastLend()
            let first = try lab.chunks(of: victim)[0].firstPage
            let driver = try lab.teeDriver()
            do throws(Errno) {
                try driver.reclaimProtectedMemory(cookie: cookie)
                let rest = PhysicalRange(base: PhysicalAddress(first.end), size: lent.end - first.end)!
                try driver.lendProtectedMemory(rest, useCase: .secureVideoPlay, cookie: cookie &+ 1)
            } catch {
                return Observation(.refused(error), "the reclaim and lend back were refused: \(error)")
            }
            let open = lab.board.bus.permits(.cpuNonSecure, first, .read)
            let rest = PhysicalRange(base: PhysicalAddress(first.end), size: victim.size - pageSize)!
            let closed = lab.board.bus.verdict(.cpuNonSecure, rest, .read) != nil
            let state = "the live buffer's first page \(first) is \(open ? "open" : "closed") to the CPU and the rest \(closed ? "refused" : "not refused")"
            return lab.judged(.protection, otherwise: Observation(.unnoticed, state + "; nothing reported"))
        },
        Attack("oracle-grant-hides-read", .oracle, board: "protmem-cpu-readable-page",
               threat: """
                   on a board whose secure log page the normal-world CPU may read, the codec copying a protected frame into a system-heap buffer and \
                   the kernel then reading that buffer as the CPU
                   """,
               expected: .violation(.leak),
               note: "the log page's grant of CPU read covers that page alone: it must not excuse the CPU reading protected content anywhere else",
               letThrough: "once protected content is in ordinary RAM nothing in hardware stops the CPU reading it") { attack in
            let lab = try attack.lab(AttackBoards.cpuReadableRegion)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            let leak = try lab.allocate("system", 0x4000)
            try lab.decode(73, into: secret)
            let to = try lab.chunks(of: leak)[0]
            try lab.board.bus.copy(.codec, from: try lab.chunks(of: secret)[0].base, to: to.base, count: 0x1000)
            lab.begin()
            let marker = PhysicalRange(base: to.base, size: UInt64(ContentMarker.size))!
            let read = lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, marker) }
            return lab.judged(.leak, otherwise: read, groundTruth: marker)
        },
        Attack("oracle-write-straddles-protection", .oracle, board: "protmem-default",
               threat: """
                   the kernel programming the decoder's output window to start one page below the carve-out, so its 8 KiB frame write covers the \
                   last page of ordinary RAM below it and the carve-out's first page, with the frame's marker in the ordinary page
                   """,
               expected: .violation(.leak),
               note: """
                   the firewall admits the write (the codec may write both); half of it is protected memory, so a check of the whole transaction \
                   calls it protected; per page, protected content lands where the CPU can read it
                   """,
               letThrough: "the decoder may write ordinary RAM, and a TZC-400 judges the transaction, not where its content goes") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            guard let region = lab.board.carveoutHeaps.first(where: { $0.name == "protected-carveout" })?.region else {
                throw AttackSetupError("the board has no protected-carveout heap")
            }
            var frame = [UInt8](repeating: 0, count: Int(2 * pageSize))
            frame.replaceSubrange(0..<ContentMarker.size, with: ContentMarker.bytes(id: 74))
            lab.begin()
            let wrote = lab.attempt { try lab.board.bus.write(.codec, at: PhysicalAddress(region.base.rawValue - pageSize), bytes: frame) }
            let marker = PhysicalRange(base: PhysicalAddress(region.base.rawValue - pageSize), size: UInt64(ContentMarker.size))!
            return lab.judged(.leak, otherwise: wrote, groundTruth: marker)
        },
    ]
}
