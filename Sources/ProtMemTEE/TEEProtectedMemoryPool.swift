import ProtMemDMABuf
import ProtMemMemory

/// `struct tee_protmem_pool_ops`: where a TEE heap's buffers come from.
public protocol TEEProtectedMemoryPool: AnyObject, Sendable {
    /// `alloc`: one contiguous scatter entry of `size` bytes (already page-aligned).
    func allocate(_ size: UInt64) throws(Errno) -> SGTable
    /// `free`
    func free(_ table: SGTable)
    /// `destroy_pool`
    func destroy()
    /// For reports: what backs the pool, its size now and what is free.
    var kind: String { get }
    var size: UInt64 { get }
    var available: UInt64 { get }
    /// A number that changes whenever ``size`` or ``available`` may have changed, or `nil`
    /// when the pool cannot tell: what its heap's `occupancyGeneration` answers, so a sampler
    /// skips a pool nothing was taken from or given back to without taking its lock.
    var occupancyGeneration: UInt64? { get }
}

extension TEEProtectedMemoryPool {
    public var occupancyGeneration: UInt64? { nil }
}
