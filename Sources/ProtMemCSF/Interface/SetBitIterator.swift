/// The positions of a mask's set bits, lowest first: how the bit-mask sets of slots and
/// streams iterate, as a plain struct so a loop over one allocates nothing. Inlinable, so the
/// driver's loops over slot sets compile to the same bit tests as the firmware's.
@_spi(CSFHost) public struct SetBitIterator<Word: FixedWidthInteger & UnsignedInteger>: IteratorProtocol {
    @usableFromInline var rest: Word

    @inlinable
    public init(rest: Word) { self.rest = rest }

    @inlinable
    public mutating func next() -> Int? {
        guard rest != 0 else { return nil }
        let position = rest.trailingZeroBitCount
        rest &= rest - 1
        return position
    }
}

/// CSG slots, as a bit mask (`csg_upd_ctx.update_mask`, the firmware's running slots): no
/// hashing, and it iterates in slot order. Slots are below ``CSFParameters/groupSlotRange``'s
/// upper bound (32).
@_spi(CSFHost) public struct SlotSet: Sequence {
    @usableFromInline var mask: UInt64 = 0

    @inlinable
    public init() {}

    @inlinable
    public var isEmpty: Bool { mask == 0 }

    @inlinable
    public mutating func insert(_ slot: Int) {
        mask |= 1 << UInt64(slot)
    }

    @inlinable
    public mutating func remove(_ slot: Int) {
        mask &= ~(1 << UInt64(slot))
    }

    @inlinable
    public func contains(_ slot: Int) -> Bool {
        mask & (1 << UInt64(slot)) != 0
    }

    @inlinable
    public func makeIterator() -> SetBitIterator<UInt64> { SetBitIterator(rest: mask) }
}
