import ProtMemDMABuf
import ProtMemMemory

/// The ioctls of `/dev/dma_heap/<name>` (`dma_heap_ioctl` in `drivers/dma-buf/dma-heap.c`).
enum DMAHeapFile {
    /// `dma_heap_ioctl_cmds[]`: the one command, by number.
    static let commands: [IOCTLNumber] = [.dmaHeapAlloc]
    /// The on-stack argument buffer; larger arguments are `kmalloc`ed (which never fails in
    /// the model).
    static let stackBufferSize = 128

    /// The request is decoded as the kernel decodes it, which is looser than it looks:
    /// 1. only the number picks the command: a number with no command is `EINVAL` (not
    ///    `ENOTTY`), and the type byte is never looked at;
    /// 2. the caller's size and direction decide how much is copied in (`_IOC_WRITE`) and
    ///    back out (`_IOC_READ`); the kernel's struct is zero-filled past what came in, so a
    ///    short struct (size 8) allocates with `fd_flags` 0, and a longer one is accepted
    ///    with its tail ignored;
    /// 3. `DMA_HEAP_IOCTL_ALLOC`'s checks run in order (``allocate(_:_:caller:)``);
    /// 4. the struct is copied back only when the command succeeded, and a fault there turns
    ///    the answer into `EFAULT`; after an error nothing is copied back, so `_IOR` over a
    ///    short buffer answers `EINVAL` (as 6.12.117 and 7.3.4 answer under qemu,
    ///    `Scripts/kernel-abi-check.sh`). A caller whose size or direction does not copy the
    ///    `fd` field back (size 8, or `_IOW`) gets 0 and never learns its new descriptor,
    ///    which stays open (leaks) until it exits, exactly as on Linux.
    static func ioctl(_ heap: DMAHeap, _ request: IOCTLNumber, _ argument: UserBuffer?, caller: UserProcess) throws(Errno) -> Int32 {
        guard Int(request.number) < commands.count else { throw .invalidArgument }
        let command = commands[Int(request.number)]
        let driverSize = command.size
        var outSize = request.size
        var inSize = outSize
        if !request.direction.contains(.write) || !command.direction.contains(.write) { inSize = 0 }
        if !request.direction.contains(.read) || !command.direction.contains(.read) { outSize = 0 }
        let kernelSize = max(inSize, outSize, driverSize)
        var data = try UserCopy.from(argument, count: inSize)
        data += [UInt8](repeating: 0, count: kernelSize - inSize)

        var result: Result<Int32, Errno>
        switch command {
        case .dmaHeapAlloc:
            do throws(Errno) {
                try allocate(heap, &data, caller: caller)
                result = .success(0)
            } catch {
                result = .failure(error)
            }
        default:
            throw .inappropriateIOCTLForDevice
        }
        guard case .success = result else { return try result.get() }
        do throws(Errno) {
            try UserCopy.to(argument, data[..<outSize])
        } catch {
            result = .failure(error)
        }
        return try result.get()
    }

    /// `dma_heap_ioctl_allocate` in mainline 6.12's order: a non-zero `fd` field → `EINVAL`;
    /// `fd_flags` outside `O_CLOEXEC | O_ACCMODE` → `EINVAL`; any `heap_flags` bit →
    /// `EINVAL`; `PAGE_ALIGN(len)` zero (0, or wrapping past 2^64) → `EINVAL`; then the heap's
    /// own answer; then `dma_buf_fd`, whose failure (`EMFILE`) puts the new buffer. On
    /// success the new descriptor goes into the struct's `fd` field.
    ///
    /// One answer differs from Linux, because the model cannot do what Linux does: a
    /// page-aligned length larger than the heap can ever hold is not refused by the kernel,
    /// which keeps allocating until the OOM killer kills the caller. The model's heaps
    /// answer `ENOMEM` instead (see the README, "Choices the kernels leave open").
    static func allocate(_ heap: DMAHeap, _ data: inout [UInt8], caller: UserProcess) throws(Errno) {
        var request = DMAHeapAllocationData(bytes: data)
        guard request.fd == 0 else { throw .invalidArgument }
        let fdFlags = OpenFlags(rawValue: request.fdFlags)
        let buffer = try caller.kernel.heaps.allocate(heap, length: request.length, fdFlags: fdFlags,
                                                      heapFlags: DMAHeapFlags(rawValue: request.heapFlags))
        let fd = try caller.install(.dmaBuf(buffer), closeOnExec: fdFlags.contains(.closeOnExec))
        request.fd = UInt32(bitPattern: fd.rawValue)
        data.replaceSubrange(0..<DMAHeapAllocationData.size, with: request.bytes)
    }
}
