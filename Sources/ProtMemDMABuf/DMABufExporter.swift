import ProtMemMemory

/// Which of the optional `dma_buf_ops` an exporter provides. The kernel marks a missing op
/// with a NULL pointer and the core answers for it (for example `-EINVAL` for a missing
/// `mmap`, success for a missing `begin_cpu_access`); the model keeps that split, so an
/// exporter lists what it has and the core answers the rest exactly as the kernel does.
public struct DMABufOperations: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let attach = DMABufOperations(rawValue: 1 << 0)
    public static let detach = DMABufOperations(rawValue: 1 << 1)
    public static let beginCPUAccess = DMABufOperations(rawValue: 1 << 2)
    public static let endCPUAccess = DMABufOperations(rawValue: 1 << 3)
    public static let mmap = DMABufOperations(rawValue: 1 << 4)
    public static let vmap = DMABufOperations(rawValue: 1 << 5)
}

/// What a CPU mapping asks for, as the `vm_area_struct` handed to `dma_buf_ops.mmap`.
public struct MmapRequest: Hashable, Sendable {
    /// `vm_pgoff`: the offset into the buffer, in pages.
    public let pageOffset: UInt64
    /// The mapping's length in bytes (whole pages).
    public let length: UInt64
    /// `VM_SHARED`: a `MAP_SHARED` mapping.
    public let shared: Bool
    public let protection: MappingProtection

    public init(pageOffset: UInt64, length: UInt64, shared: Bool, protection: MappingProtection) {
        self.pageOffset = pageOffset
        self.length = length
        self.shared = shared
        self.protection = protection
    }

    /// `vma_pages()`
    public var pageCount: UInt64 { (length + pageSize - 1) >> pageShift }
}

/// The exporter side of a dma-buf: `struct dma_buf_ops` together with the buffer's private
/// data (`dmabuf->priv`).
///
/// One instance backs one buffer, so an operation reaches its own state without casting a
/// `void *`. Only ``map(_:direction:)``, ``unmap(_:_:direction:)`` and ``release()`` are
/// mandatory, as in the kernel; the rest run only when listed in ``operations``.
public protocol DMABufExporter: AnyObject, Sendable {
    /// `exp_name`: the exporting module's name as `bufinfo` prints it (`system`, a CMA area,
    /// a heap name).
    var exporterName: String { get }

    /// The optional operations this exporter has.
    var operations: DMABufOperations { get }

    /// `attach`: a device is attaching; refuse it with an errno.
    func attach(_ attachment: DMABufAttachment) throws(Errno)
    /// `detach`
    func detach(_ attachment: DMABufAttachment)
    /// `map_dma_buf`: the chunks as `attachment.device` sees them.
    func map(_ attachment: DMABufAttachment, direction: DMADataDirection) throws(Errno) -> SGTable
    /// `unmap_dma_buf`
    func unmap(_ attachment: DMABufAttachment, _ table: SGTable, direction: DMADataDirection)
    /// `begin_cpu_access`
    func beginCPUAccess(direction: DMADataDirection) throws(Errno)
    /// `end_cpu_access`
    func endCPUAccess(direction: DMADataDirection) throws(Errno)
    /// `mmap`: validate the request and answer the physical chunks of the whole buffer, which
    /// the core maps for the CPU (the core has already refused windows past the end).
    func mmap(_ request: MmapRequest) throws(Errno) -> SGTable
    /// `vmap`: the physical chunks of the whole buffer for a kernel mapping.
    func vmap() throws(Errno) -> SGTable
    /// `vunmap`
    func vunmap()
    /// `release`: runs once, after the last reference is gone; frees the backing.
    func release()

    /// The physical chunks behind the buffer, for checkers and reports (the kernel's
    /// page-owner view); never used to reach the memory.
    var backing: SGTable? { get }
}

extension DMABufExporter {
    public func attach(_ attachment: DMABufAttachment) throws(Errno) {}
    public func detach(_ attachment: DMABufAttachment) {}
    public func beginCPUAccess(direction: DMADataDirection) throws(Errno) {}
    public func endCPUAccess(direction: DMADataDirection) throws(Errno) {}
    public func mmap(_ request: MmapRequest) throws(Errno) -> SGTable { throw .invalidArgument }
    public func vmap() throws(Errno) -> SGTable { throw .invalidArgument }
    public func vunmap() {}
    public var backing: SGTable? { nil }
}
