/// `struct dma_buf_sync.flags` (`include/uapi/linux/dma-buf.h`).
public struct DMABufSyncFlags: OptionSet, Hashable, Sendable {
    public let rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// `DMA_BUF_SYNC_READ`
    public static let read = DMABufSyncFlags(rawValue: 1)
    /// `DMA_BUF_SYNC_WRITE`
    public static let write = DMABufSyncFlags(rawValue: 2)
    /// `DMA_BUF_SYNC_RW`
    public static let readWrite: DMABufSyncFlags = [.read, .write]
    /// `DMA_BUF_SYNC_START` is zero: the absence of `END`.
    public static let start: DMABufSyncFlags = []
    /// `DMA_BUF_SYNC_END`
    public static let end = DMABufSyncFlags(rawValue: 4)

    /// `DMA_BUF_SYNC_VALID_FLAGS_MASK`
    public static let validMask: DMABufSyncFlags = [.readWrite, .end]
}
