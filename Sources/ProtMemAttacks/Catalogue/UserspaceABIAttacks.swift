import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace

/// The userspace ABI around protected buffers: descriptors after close, ioctls on the wrong
/// kind of file, the allocation struct's size and direction, udmabuf, and fd passing. The
/// answers are Linux 6.12's (kernel-interfaces.md §9), corners included.
extension AttackCatalogue {
    static let userspaceABI: [Attack] = [
        Attack("abi-fd-use-after-close", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process that closes its protected dma-buf fd and keeps using the number (DMA_BUF_IOCTL_SYNC, mmap) hoping it \
                   still names the buffer
                   """,
               expected: .refused(.badFileDescriptor),
               note: "close(2) empties the slot; every call on it answers -EBADF, and the buffer goes with its last reference") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "app", allocating: 0x4000, from: "protected-carveout")
            try process.close(fd)
            return lab.attempt { try process.sync(fd, [.start, .read]) }
        },
        Attack("abi-fd-reuse-after-close", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process that closes its protected dma-buf fd, lets the number be reused by /dev/null, and maps the number again
                   """,
               expected: .refused(.noSuchDevice),
               note: "the number now names /dev/null, which has no mmap: -ENODEV; nothing of the freed buffer is reachable through it") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "app", allocating: 0x4000, from: "protected-carveout")
            try process.close(fd)
            let reused = try process.open("/dev/null", flags: .readWrite)
            guard reused == fd else { throw AttackSetupError("open(/dev/null) took \(reused), not the freed \(fd)") }
            return lab.attempt { _ = try process.mmap(length: 0x1000, protection: .read, flags: .shared, fd: fd, offset: 0) }
        },
        Attack("abi-sync-ioctl-on-heap-fd", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process sending DMA_BUF_IOCTL_SYNC (0x40086200) to its /dev/dma_heap/protected-carveout fd instead of a buffer fd
                   """,
               expected: .succeeded,
               note: """
                   dma_heap_ioctl picks the command by number alone, so this is DMA_HEAP_IOCTL_ALLOC with the 8 bytes given (len = the sync flags): \
                   one protected page is allocated and, the request being _IOW, its fd is never copied back; it stays open until exit. Nothing \
                   becomes reachable: that descriptor's mmap is -EINVAL like any other
                   """,
               letThrough: """
                   Linux 6.12 answers 0 and leaks the descriptor in exactly this way (kernel-interfaces.md §9: the heap fd ignores the type byte)
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, heapFD, _) = try lab.process(named: "app", allocating: 0x1000, from: "protected-carveout")
            let before = process.openDescriptors
            let used = try lab.heap("protected-carveout").ops.statistics
            do {
                try process.sync(heapFD, [.start, .read])
            } catch {
                return lab.observation(of: error)
            }
            guard let leaked = process.openDescriptors.first(where: { !before.contains($0) }) else {
                return Observation(.succeeded, "answered 0 and allocated nothing")
            }
            let after = try lab.heap("protected-carveout").ops.statistics
            let mapped = lab.attempt { _ = try process.mmap(length: 0x1000, protection: .read, flags: .shared, fd: leaked, offset: 0) }
            if mapped.outcome == .succeeded { return Observation(.reads("a mapping of the protected page"), "the leaked \(leaked) could be mapped") }
            return Observation(.succeeded, "answered 0; \(leaked) appeared, \(used.free - after.free) protected bytes allocated; mmap of it: \(mapped)")
        },
        Attack("abi-heap-alloc-on-dmabuf-fd", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process sending DMA_HEAP_IOCTL_ALLOC to a protected dma-buf fd (a wrong fd type), hoping the buffer's file \
                   allocates from its heap
                   """,
               expected: .refused(.inappropriateIOCTLForDevice),
               note: "dma_buf_ioctl compares requests whole: anything but its own four is -ENOTTY") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "app", allocating: 0x4000, from: "protected-carveout")
            return lab.attempt { _ = try process.allocate(fd, length: 0x4000, fdFlags: .readWrite) }
        },
        Attack("abi-dmabuf-sync-on-memfd", .userspaceABI, board: "protmem-default",
               threat: "an unprivileged process sending DMA_BUF_IOCTL_SYNC to a memfd (a wrong fd type to a dma-buf ioctl)",
               expected: .refused(.inappropriateIOCTLForDevice),
               note: "shmem files have no ioctl of their own: -ENOTTY") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let process = lab.userspace.spawn(name: "app")
            let memfd = try process.memfdCreate(name: "scratch", flags: .allowSealing)
            return lab.attempt { try process.sync(memfd, [.start, .readWrite]) }
        },
        Attack("abi-alloc-short-struct", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process issuing DMA_HEAP_IOCTL_ALLOC on /dev/dma_heap/protected-carveout with a size of 8 in the request (only \
                   len), to exhaust the protected pool with buffers it never has to hold
                   """,
               expected: .succeeded,
               note: """
                   the kernel copies in 8 bytes, allocates with fd_flags 0, and copies back 8 bytes, never the fd: the buffer stays allocated (and \
                   protected) until the process exits, and then it is freed
                   """,
               letThrough: "Linux answers 0 and leaks the descriptor until exit (kernel-interfaces.md §9); RLIMIT_NOFILE bounds how many") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let process = lab.userspace.spawn(name: "app")
            let heapFD = try process.open("/dev/dma_heap/protected-carveout", flags: .readOnly)
            let free = try lab.heap("protected-carveout").ops.statistics.free
            guard let request = IOCTLNumber(direction: [.read, .write], type: UInt8(ascii: "H"), number: 0, size: 8) else {
                throw AttackSetupError("no such ioctl number")
            }
            let argument = UserBuffer(DMAHeapAllocationData(length: 0x10000, fdFlags: 0).bytes.prefix(8).map { $0 })
            do {
                try process.ioctl(heapFD, request, argument)
            } catch {
                return lab.observation(of: error)
            }
            let held = try free - lab.heap("protected-carveout").ops.statistics.free
            process.exit()
            let after = try free - lab.heap("protected-carveout").ops.statistics.free
            guard held == 0x10000, after == 0 else {
                return Observation(.unnoticed, "answered 0; \(held) bytes held while the process lived, \(after) after it exited")
            }
            return Observation(.succeeded, "answered 0 with the fd never written back; 64 KiB stayed allocated until exit, then freed")
        },
        Attack("abi-alloc-ior-direction", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process issuing the allocation ioctl as _IOR (direction read only), so the kernel copies nothing in and the \
                   struct it works on is all zeros
                   """,
               expected: .refused(.invalidArgument),
               note: "with nothing copied in, len is 0: PAGE_ALIGN(len) == 0 is -EINVAL") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let process = lab.userspace.spawn(name: "app")
            let heapFD = try process.open("/dev/dma_heap/protected-carveout", flags: .readOnly)
            guard let request = IOCTLNumber(direction: .read, type: UInt8(ascii: "H"), number: 0, size: DMAHeapAllocationData.size) else {
                throw AttackSetupError("no such ioctl number")
            }
            return lab.attempt { _ = try process.ioctl(heapFD, request, UserBuffer(DMAHeapAllocationData(length: 0x4000, fdFlags: 2).bytes)) }
        },
        Attack("abi-alloc-fd-field-preset", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process presetting the struct's fd field to the number of another open descriptor, hoping the kernel installs the \
                   new protected buffer over it
                   """,
               expected: .refused(.invalidArgument),
               note: "dma_heap_ioctl_allocate refuses a non-zero fd field before allocating") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, heapFD, victim) = try lab.process(named: "app", allocating: 0x4000, from: "system")
            let data = DMAHeapAllocationData(length: 0x4000, fd: UInt32(bitPattern: victim.rawValue), fdFlags: 2)
            return lab.attempt { _ = try process.ioctl(heapFD, .dmaHeapAlloc, UserBuffer(data.bytes)) }
        },
        Attack("abi-udmabuf-over-protected-dmabuf", .userspaceABI, board: "protmem-default",
               threat: """
                   an unprivileged process passing its protected dma-buf fd to UDMABUF_CREATE as the memfd, hoping for a second, mappable dma-buf \
                   over the protected pages
                   """,
               expected: .refused(.badFileDescriptorState),
               note: "udmabuf takes only shmem (memfd) files: anything else is -EBADFD, before any page is pinned") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (process, _, fd) = try lab.process(named: "app", allocating: 0x4000, from: "protected-carveout")
            let device = try process.open("/dev/udmabuf", flags: .readWrite)
            return lab.attempt { _ = try process.udmabufCreate(device, memfd: fd, size: 0x4000) }
        },
        Attack("abi-fd-passing-receiver-mmap", .userspaceABI, board: "protmem-default",
               threat: "a second process that receives a protected-carveout dma-buf fd over a Unix socket (SCM_RIGHTS) and maps it",
               expected: .refused(.invalidArgument),
               note: "the receiver gets the same open file description: the same buffer ops, the same -EINVAL") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (sender, _, fd) = try lab.process(named: "player", allocating: 0x4000, from: "protected-carveout")
            let receiver = lab.userspace.spawn(name: "compositor")
            let received = try sender.send(fd, to: receiver)
            return lab.attempt { _ = try receiver.mmap(length: 0x4000, protection: .read, flags: .shared, fd: received, offset: 0) }
        },
        Attack("abi-fd-passing-after-sender-exit", .userspaceABI, board: "protmem-default",
               threat: """
                   a process that receives a protected buffer's fd over SCM_RIGHTS and waits for the sender (the only other holder) to exit, hoping \
                   the buffer is released and its pages read as the kernel's again
                   """,
               expected: .fault(source: "tzc400"),
               note: """
                   the receiver's descriptor holds the buffer: it is not released, its pages stay protected, and a kernel read of them still faults
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let (sender, _, fd) = try lab.process(named: "player", allocating: 0x4000, from: "protected-carveout")
            let buffer = try lab.dmaBuf(fd, of: sender)
            try lab.decode(21, into: buffer)
            let range = try lab.chunks(of: buffer)[0]
            let receiver = lab.userspace.spawn(name: "compositor")
            _ = try sender.send(fd, to: receiver)
            sender.exit()
            guard !buffer.isReleased else { return Observation(.unnoticed, "the buffer was released while the receiver held it") }
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range.firstPage) }
        },
    ]
}
