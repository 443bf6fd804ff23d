/// The positions of a mask's set bits, lowest first: how the bit-mask sets of slots and
/// streams iterate, as a plain struct so a loop over one allocates nothing.
struct SetBitIterator<Word: FixedWidthInteger & UnsignedInteger>: IteratorProtocol {
    var rest: Word

    mutating func next() -> Int? {
        guard rest != 0 else { return nil }
        let position = rest.trailingZeroBitCount
        rest &= rest - 1
        return position
    }
}
