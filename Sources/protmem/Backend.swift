import ArgumentParser
import ProtMemMemory
import ProtMemUserspace
#if canImport(Glibc)
import ProtMemLinux
#endif

/// `--backend`: who answers the userspace calls of `protmem abi run` and `protmem heaps`.
enum Backend: String, ExpressibleByArgument, CaseIterable {
    /// The model: the built-in default board (or a board blob, for `heaps`).
    case model
    /// The running kernel, through `/dev/dma_heap` and `/dev/udmabuf` (ProtMemLinux).
    case linux

    /// The running kernel's heap names; a clear failure naming `/dev/dma_heap` where there is
    /// none (no heap registered, no `CONFIG_DMABUF_HEAPS`, or not Linux at all).
    static func linuxHeapNames() throws -> [String] {
        #if canImport(Glibc)
        do throws(Errno) {
            return try DMAHeapDirectory.heapNames()
        } catch {
            throw DTBFile.failure("""
                --backend linux: cannot list \(DMAHeapDirectory.path) (\(error)): this machine's kernel \
                has no DMA-BUF heaps (none registered, or built without CONFIG_DMABUF_HEAPS)
                """)
        }
        #else
        throw DTBFile.failure("--backend linux: /dev/dma_heap exists only on Linux")
        #endif
    }

    /// A process on the running kernel, once `/dev/dma_heap` is known to exist.
    static func linuxProcess() throws -> any UserspaceSyscalls {
        _ = try linuxHeapNames()
        #if canImport(Glibc)
        do throws(Errno) {
            return try LinuxProcess()
        } catch {
            throw DTBFile.failure("--backend linux: cannot map the ioctl argument window (\(error.name))")
        }
        #else
        throw DTBFile.failure("--backend linux: /dev/dma_heap exists only on Linux")
        #endif
    }
}
