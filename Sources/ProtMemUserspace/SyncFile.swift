/// A `sync_file`: a file carrying one fence, as `DMA_BUF_IOCTL_EXPORT_SYNC_FILE` makes.
///
/// The model has no fences in flight (a buffer's reservation object is always idle), so the
/// exported fence is always the kernel's signalled stub fence (`dma_fence_get_stub`), which
/// is exactly what the kernel exports from an idle buffer. Importing it back adds nothing a
/// waiter could block on. The `sync_file` ioctls of its own (`SYNC_IOC_MERGE`, `FILE_INFO`)
/// are not modelled and answer `ENOTTY`.
public final class SyncFile: Sendable {
    /// The fence's driver and timeline names, as `dma_fence_stub` reports them.
    public let driverName = "stub"
    public let timelineName = "stub"
    public let isSignalled = true

    init() {}
}
