import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace

/// The CPU reaching protected pages: every path a process or the kernel has to a buffer's
/// bytes. Protected heaps have no CPU-mapping ops (mainline `tee_heap.c`: the core answers
/// `EINVAL`; MediaTek's restricted heap answers `EPERM`), and the firewall refuses the
/// non-secure CPU on the bus whatever path reaches it.
extension AttackCatalogue {
    static let cpuAccess: [Attack] = [
        Attack("cpu-bus-read-carveout", .cpuAccess, board: "protmem-default",
               threat: """
                   a kernel driver reading physical memory as the non-secure CPU (a /dev/mem-style mapping, a stray pointer) at a live \
                   protected-carveout buffer the decoder has written
                   """,
               expected: .fault(source: "tzc400"),
               note: """
                   the TZC-400 region over the carve-out grants the non-secure CPU (NSAID 0) nothing; the fault is latched and no byte moves
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(1, into: buffer)
            let range = try lab.chunks(of: buffer)[0]
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range) }
        },
        Attack("cpu-bus-write-carveout", .cpuAccess, board: "protmem-default",
               threat: """
                   a kernel driver overwriting a live protected-carveout buffer as the non-secure CPU (to corrupt protected content or plant data \
                   the decoder's reader trusts)
                   """,
               expected: .fault(source: "tzc400"),
               note: "the carve-out's region refuses non-secure CPU writes as well as reads") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected-carveout", 0x4000)
            let range = try lab.chunks(of: buffer)[0]
            lab.begin()
            return lab.attempt { try lab.board.bus.write(.cpuNonSecure, at: range.base, bytes: [UInt8](repeating: 0x41, count: 64)) }
        },
        Attack("cpu-bus-read-secure-video", .cpuAccess, board: "protmem-default",
               threat: "a kernel driver reading a live buffer of OP-TEE's static protected pool (protected,secure-video) as the non-secure CPU",
               expected: .fault(source: "tzc400"),
               note: "OP-TEE protected its static pool with a TZC-400 region at boot; the secure-video grant has no CPU in it") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected,secure-video", 0x4000)
            try lab.decode(2, into: buffer)
            let range = try lab.chunks(of: buffer)[0]
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range) }
        },
        Attack("cpu-mmap-shared-protected-buffer", .cpuAccess, board: "protmem-default",
               threat: "an unprivileged process with a dma-buf fd from /dev/dma_heap/protected-carveout calling mmap(MAP_SHARED, PROT_READ)",
               expected: .refused(.invalidArgument),
               note: "as mainline tee_heap.c: the exporter has no mmap op, so dma_buf_mmap_internal answers -EINVAL") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "protected-carveout")
            return lab.attempt { _ = try process.mmap(length: 0x4000, protection: .read, flags: .shared, fd: fd, offset: 0) }
        },
        Attack("cpu-mmap-private-protected-buffer", .cpuAccess, board: "protmem-default",
               threat: "an unprivileged process mapping its protected-carveout dma-buf MAP_PRIVATE, hoping copy-on-write gives it the pages",
               expected: .refused(.invalidArgument),
               note: "private or shared, the exporter has no mmap op: -EINVAL before any page is touched") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "protected-carveout")
            return lab.attempt { _ = try process.mmap(length: 0x1000, protection: [.read, .write], flags: .private, fd: fd, offset: 0) }
        },
        Attack("cpu-mmap-secure-video-buffer", .cpuAccess, board: "protmem-default",
               threat: "an unprivileged process mapping a buffer of OP-TEE's protected,secure-video heap MAP_SHARED",
               expected: .refused(.invalidArgument),
               note: "tee_heap.c's buffer ops are attach, detach, map, unmap and release only") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "protected,secure-video")
            return lab.attempt { _ = try process.mmap(length: 0x4000, protection: .read, flags: .shared, fd: fd, offset: 0) }
        },
        Attack("cpu-mmap-restricted-heap-buffer", .cpuAccess, board: "protmem-mediatek",
               threat: "an unprivileged process mapping a buffer of MediaTek's restricted_mtk_cm heap MAP_SHARED",
               expected: .refused(.notPermitted),
               note: "Yong Wu's restricted heap has an mmap op that answers -EPERM") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "restricted_mtk_cm")
            return lab.attempt { _ = try process.mmap(length: 0x4000, protection: .read, flags: .shared, fd: fd, offset: 0) }
        },
        Attack("cpu-vmap-protected-buffer", .cpuAccess, board: "protmem-default",
               threat: "a kernel driver that imported a protected-carveout dma-buf calling dma_buf_vmap to read it through a kernel mapping",
               expected: .refused(.invalidArgument),
               note: "no vmap op: dma_buf_vmap answers -EINVAL and maps nothing") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected-carveout", 0x4000)
            return lab.attempt { _ = try buffer.vmap() }
        },
        Attack("cpu-sync-protected-buffer", .cpuAccess, board: "protmem-default",
               threat: """
                   an unprivileged process bracketing CPU access with DMA_BUF_IOCTL_SYNC(START|RW) on its protected-carveout dma-buf, then mapping \
                   it
                   """,
               expected: .succeeded,
               note: """
                   with no begin_cpu_access op the core answers 0 and does nothing: the ioctl grants no access, the mmap after it is still -EINVAL
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "protected-carveout")
            do {
                try process.sync(fd, [.start, .readWrite])
            } catch {
                return lab.observation(of: error)
            }
            do {
                let address = try process.mmap(length: 0x4000, protection: .read, flags: .shared, fd: fd, offset: 0)
                return Observation(.reads(Lab.describe(try process.load(address, count: 16))), "the sync opened a mapping")
            } catch {
                return Observation(.succeeded, "DMA_BUF_IOCTL_SYNC answered 0; mmap after it: \(error)")
            }
        },
        Attack("cpu-sync-restricted-heap-buffer", .cpuAccess, board: "protmem-mediatek",
               threat: "an unprivileged process calling DMA_BUF_IOCTL_SYNC(START|READ) on a restricted_mtk_cm dma-buf (begin_cpu_access)",
               expected: .refused(.notPermitted),
               note: "MediaTek's restricted heap answers begin_cpu_access with -EPERM") { attack in
            let lab = try attack.lab(AttackBoards.mediatek)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "restricted_mtk_cm")
            return lab.attempt { try process.sync(fd, [.start, .read]) }
        },
        Attack("cpu-read-protected-fd", .cpuAccess, board: "protmem-default",
               threat: "an unprivileged process calling read(2) on its protected-carveout dma-buf fd",
               expected: .refused(.invalidArgument),
               note: "a dma-buf file has no read method: vfs_read answers -EINVAL (kernel-interfaces.md §9)") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "viewer", allocating: 0x4000, from: "protected-carveout")
            return lab.attempt { _ = try process.read(fd, count: 0x1000) }
        },
    ]
}
