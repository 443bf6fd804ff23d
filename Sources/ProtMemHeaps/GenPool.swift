import ProtMemMemory

/// The kernel's `gen_pool` with its default `gen_pool_first_fit` algorithm: chunks of
/// address space, each with a bitmap of `1 << minAllocOrder`-byte granules, allocated first
/// fit from the chunk's start.
///
/// OP-TEE's static protected pool and the carve-out heaps use it with page granularity, so
/// its fragmentation is the kernel's. A value type; the heaps guard it with a lock.
///
/// Complexity: allocation scans the bitmap a word at a time, O(granules / 64) worst case;
/// freeing is O(size / 64).
public struct GenPool: Hashable, Sendable {
    public struct Chunk: Hashable, Sendable {
        public let range: PhysicalRange
        public var bitmap: PageBitmap
        /// `avail`: free bytes in this chunk.
        public var available: UInt64
    }

    /// `min_alloc_order`: log2 of the granule.
    public let minAllocOrder: Int
    public private(set) var chunks: [Chunk] = []

    /// `gen_pool_create(min_alloc_order, nid)`
    public init(minAllocOrder: Int = Int(pageShift)) {
        precondition(minAllocOrder >= 0 && minAllocOrder < 32)
        self.minAllocOrder = minAllocOrder
    }

    private var granule: UInt64 { 1 << UInt64(minAllocOrder) }

    /// `gen_pool_add`: adds a chunk; `EINVAL` for a range that is empty, not a whole number of
    /// granules, or overlaps a chunk already added.
    public mutating func add(_ range: PhysicalRange) throws(Errno) {
        guard !range.isEmpty, range.size % granule == 0,
              !chunks.contains(where: { $0.range.overlaps(range) }) else { throw .invalidArgument }
        chunks.append(Chunk(range: range, bitmap: PageBitmap(bitCount: Int(range.size / granule)), available: range.size))
    }

    /// `gen_pool_alloc`: the first fit of `size` bytes (rounded up to granules), or `nil`
    /// when no chunk has room (the kernel returns 0).
    public mutating func allocate(_ size: UInt64) -> PhysicalAddress? {
        guard size > 0 else { return nil }
        let (rounded, overflow) = size.addingReportingOverflow(granule - 1)
        guard !overflow else { return nil }
        let bits = Int(rounded >> UInt64(minAllocOrder))
        for index in chunks.indices where chunks[index].available >= size {
            guard let start = chunks[index].bitmap.findZeroArea(count: bits) else { continue }
            chunks[index].bitmap.set(start, count: bits)
            chunks[index].available -= UInt64(bits) << UInt64(minAllocOrder)
            return PhysicalAddress(chunks[index].range.base.rawValue + (UInt64(start) << UInt64(minAllocOrder)))
        }
        return nil
    }

    /// `gen_pool_free`: returns `size` bytes at `address`. Where the kernel would `BUG()` on
    /// granules that were not allocated, the model refuses with `EINVAL` and changes nothing.
    public mutating func free(_ address: PhysicalAddress, size: UInt64) throws(Errno) {
        guard size > 0, let range = PhysicalRange(base: address, size: size),
              let index = chunks.firstIndex(where: { $0.range.contains(range) }) else { throw .invalidArgument }
        let offset = address.rawValue - chunks[index].range.base.rawValue
        guard offset % granule == 0 else { throw .invalidArgument }
        let start = Int(offset >> UInt64(minAllocOrder))
        let bits = Int((size + granule - 1) >> UInt64(minAllocOrder))
        guard chunks[index].bitmap.allSet(start, count: bits) else { throw .invalidArgument }
        chunks[index].bitmap.clear(start, count: bits)
        chunks[index].available += UInt64(bits) << UInt64(minAllocOrder)
    }

    /// `gen_pool_size`
    public var size: UInt64 { chunks.reduce(0) { $0 + $1.range.size } }
    /// `gen_pool_avail`
    public var available: UInt64 { chunks.reduce(0) { $0 + $1.available } }

    /// Every free extent, in address order.
    public var freeExtents: [PhysicalRange] {
        var result: [PhysicalRange] = []
        for chunk in chunks {
            var bit = 0
            while bit < chunk.bitmap.bitCount {
                let start = chunk.bitmap.nextZeroBit(from: bit, limit: chunk.bitmap.bitCount)
                guard start < chunk.bitmap.bitCount else { break }
                let end = chunk.bitmap.nextSetBit(from: start, limit: chunk.bitmap.bitCount)
                result.append(PhysicalRange(base: PhysicalAddress(chunk.range.base.rawValue + (UInt64(start) << UInt64(minAllocOrder))),
                                            size: UInt64(end - start) << UInt64(minAllocOrder))!)
                bit = end
            }
        }
        return result
    }

    /// The largest run of free granules, in bytes: how large an allocation could still
    /// succeed. `1 - largestFree / available` is the pool's external fragmentation.
    public var largestFreeExtent: UInt64 {
        var best = 0
        for chunk in chunks {
            var bit = 0
            while bit < chunk.bitmap.bitCount {
                let start = chunk.bitmap.nextZeroBit(from: bit, limit: chunk.bitmap.bitCount)
                guard start < chunk.bitmap.bitCount else { break }
                let end = chunk.bitmap.nextSetBit(from: start, limit: chunk.bitmap.bitCount)
                best = max(best, end - start)
                bit = end
            }
        }
        return UInt64(best) << UInt64(minAllocOrder)
    }
}

extension GenPool {
    /// Checks that every chunk's `available` matches its bitmap. Traps with the chunk on a
    /// mismatch; tests call it after every step.
    public func _checkInvariants() {
        for chunk in chunks {
            precondition(chunk.bitmap.recountedSetBits == chunk.bitmap.setCount, "gen_pool bitmap count drifted in \(chunk.range)")
            let used = UInt64(chunk.bitmap.setCount) << UInt64(minAllocOrder)
            precondition(used + chunk.available == chunk.range.size, "gen_pool avail \(chunk.available) + used \(used) != size of \(chunk.range)")
        }
    }
}
