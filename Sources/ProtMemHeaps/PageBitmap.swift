/// A fixed-size bitmap with the kernel's search primitives (`find_next_zero_bit`,
/// `find_next_bit`, `bitmap_find_next_zero_area_off`), word at a time.
///
/// The allocators that the kernel builds on bitmaps (gen_pool, CMA) are built on this, so
/// they find the same first fit the kernel finds.
public struct PageBitmap: Hashable, Sendable {
    public private(set) var words: [UInt64]
    public let bitCount: Int
    /// Bits set now.
    public private(set) var setCount: Int = 0

    public init(bitCount: Int) {
        precondition(bitCount >= 0)
        self.bitCount = bitCount
        self.words = [UInt64](repeating: 0, count: (bitCount + 63) / 64)
    }

    @inlinable public func isSet(_ bit: Int) -> Bool {
        words[bit >> 6] & (1 << UInt64(bit & 63)) != 0
    }

    /// `find_next_zero_bit(map, limit, from)`: the first clear bit in `[from, limit)`, or
    /// `limit`.
    public func nextZeroBit(from start: Int, limit: Int) -> Int {
        var bit = start
        while bit < limit {
            let word = ~words[bit >> 6] >> UInt64(bit & 63)
            if word != 0 {
                return min(bit + word.trailingZeroBitCount, limit)
            }
            bit = (bit | 63) + 1
        }
        return limit
    }

    /// `find_next_bit(map, limit, from)`: the first set bit in `[from, limit)`, or `limit`.
    public func nextSetBit(from start: Int, limit: Int) -> Int {
        var bit = start
        while bit < limit {
            let word = words[bit >> 6] >> UInt64(bit & 63)
            if word != 0 {
                return min(bit + word.trailingZeroBitCount, limit)
            }
            bit = (bit | 63) + 1
        }
        return limit
    }

    /// `bitmap_find_next_zero_area_off`: the first run of `count` clear bits at or after
    /// `start` whose index, plus `alignOffset`, is aligned to `alignMask + 1`; `nil` when none
    /// fits below `bitCount`.
    public func findZeroArea(start: Int = 0, count: Int, alignMask: Int = 0, alignOffset: Int = 0) -> Int? {
        guard count > 0 else { return nil }
        var from = start
        while true {
            var index = nextZeroBit(from: from, limit: bitCount)
            index = ((index + alignOffset + alignMask) & ~alignMask) - alignOffset
            let end = index + count
            guard end <= bitCount else { return nil }
            let busy = nextSetBit(from: index, limit: end)
            if busy < end {
                from = busy + 1
                continue
            }
            return index
        }
    }

    /// The mask of `count` bits from `start` when they lie in one word (the common case of
    /// a small block), else `nil`.
    @inline(__always)
    private func singleWordMask(_ start: Int, _ count: Int) -> UInt64? {
        guard start >= 0, count > 0, start + count <= bitCount, (start & 63) + count <= 64 else { return nil }
        return (count == 64 ? ~UInt64(0) : (UInt64(1) << UInt64(count)) - 1) << UInt64(start & 63)
    }

    /// Sets `count` bits from `start`; they must all be clear.
    public mutating func set(_ start: Int, count: Int) {
        if let mask = singleWordMask(start, count) {
            precondition(words[start >> 6] & mask == 0, "PageBitmap: setting bits that are already set")
            words[start >> 6] |= mask
            setCount += count
            return
        }
        apply(start, count) { word, mask in
            precondition(word & mask == 0, "PageBitmap: setting bits that are already set")
            word |= mask
        }
        setCount += count
    }

    /// Clears `count` bits from `start`; they must all be set.
    public mutating func clear(_ start: Int, count: Int) {
        if let mask = singleWordMask(start, count) {
            precondition(words[start >> 6] & mask == mask, "PageBitmap: clearing bits that are not set")
            words[start >> 6] &= ~mask
            setCount -= count
            return
        }
        apply(start, count) { word, mask in
            precondition(word & mask == mask, "PageBitmap: clearing bits that are not set")
            word &= ~mask
        }
        setCount -= count
    }

    /// Whether all `count` bits from `start` are set.
    public func allSet(_ start: Int, count: Int) -> Bool {
        if let mask = singleWordMask(start, count) { return words[start >> 6] & mask == mask }
        guard start >= 0, count >= 0, start + count <= bitCount else { return false }
        var bit = start
        let end = start + count
        while bit < end {
            let span = min(64 - (bit & 63), end - bit)
            let mask = span == 64 ? ~UInt64(0) : ((UInt64(1) << UInt64(span)) - 1) << UInt64(bit & 63)
            if words[bit >> 6] & mask != mask { return false }
            bit += span
        }
        return true
    }

    private mutating func apply(_ start: Int, _ count: Int, _ body: (inout UInt64, UInt64) -> Void) {
        precondition(start >= 0 && count >= 0 && start + count <= bitCount, "PageBitmap: range outside the map")
        var bit = start
        let end = start + count
        while bit < end {
            let span = min(64 - (bit & 63), end - bit)
            let mask = span == 64 ? ~UInt64(0) : ((UInt64(1) << UInt64(span)) - 1) << UInt64(bit & 63)
            body(&words[bit >> 6], mask)
            bit += span
        }
    }

    /// Population count recomputed from the words, for invariant checks.
    public var recountedSetBits: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }
}
