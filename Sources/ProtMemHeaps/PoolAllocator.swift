import ProtMemMemory

/// What a carve-out heap hands its region out with: `gen_pool`'s interface (`gen_pool_add`,
/// `gen_pool_alloc`, `gen_pool_free`, `gen_pool_size`, `gen_pool_avail`), so the heap can
/// run on the kernel's own first fit or on a faster allocator that packs the same way.
///
/// A carve-out is firewalled and has no kernel mapping, so every implementation keeps its
/// metadata outside the pool: nothing may be written into the memory it manages.
public protocol PoolAllocator: Sendable {
    /// `gen_pool_add`: `EINVAL` for a range that is empty, not a whole number of granules, or
    /// overlaps a range already added.
    mutating func add(_ range: PhysicalRange) throws(Errno)
    /// `gen_pool_alloc`: `size` bytes rounded up to granules, or `nil` when nothing fits.
    mutating func allocate(_ size: UInt64) -> PhysicalAddress?
    /// `gen_pool_free`: `EINVAL`, and nothing changed, for bytes that are not allocated.
    mutating func free(_ address: PhysicalAddress, size: UInt64) throws(Errno)
    /// `gen_pool_size`
    var size: UInt64 { get }
    /// `gen_pool_avail`
    var available: UInt64 { get }
    /// Every free extent, in the order the allocator searches them.
    var freeExtents: [PhysicalRange] { get }
    /// The largest allocation that could still succeed, in bytes.
    var largestFreeExtent: UInt64 { get }
    func _checkInvariants()
}

extension GenPool: PoolAllocator {}

/// Which allocator a carve-out heap uses: the device tree's `protmem,allocator` and a
/// scenario's `allocators:` name them so. Choosing one is an integrator's decision (speed
/// against the kernel's exact behaviour), so the default is the kernel's.
public enum PoolAllocatorKind: String, CaseIterable, Sendable, Hashable, Codable {
    /// `gen_pool` with `gen_pool_first_fit`: the kernel's, a bitmap scanned from the start.
    case firstFit = "first-fit"
    /// ``ExtentTreeAllocator``: the same address-ordered first fit over a balanced tree of
    /// free extents, O(log n) per operation.
    case extentTree = "extent-tree"

    /// An empty pool of this kind with `1 << minAllocOrder`-byte granules.
    public func makePool(minAllocOrder: Int) -> any PoolAllocator {
        switch self {
        case .firstFit: GenPool(minAllocOrder: minAllocOrder)
        case .extentTree: ExtentTreeAllocator(minAllocOrder: minAllocOrder)
        }
    }
}
