/// A fixed number of values (the CSG slots of the firmware, the CS slots of one CSG), written
/// in place through a subscript.
///
/// **Why it is unsafe inside.** The firmware model writes these on nearly every step
/// (`mcu.slots[s].streams[i].active = …`). Through an `Array` each such write asked the
/// runtime whether the buffer was uniquely referenced, once per array on the path, and a
/// class holding its values as stored properties would pay a dynamic exclusivity check on
/// every access. The slots never change in number, so the values live in one block of memory
/// this object allocates in `init` and frees in `deinit`, and a write is a bounds check and a
/// store. This is one of the module's listed storage types: nothing unsafe leaves it (its API
/// is the bounds-checked subscript; no pointer or buffer is lent out). Its accessors are
/// inlinable, so the driver's module writes the CSG interfaces as directly as the firmware's
/// module does: the pointer is `@usableFromInline` for that, and still reached only through them.
///
/// **Invariants** (``_checkInvariants()``): ``count`` is fixed at `init`, never negative, and
/// every one of its elements is initialised from `init` until `deinit`; an index outside
/// `0..<count` traps (`precondition`, release builds included). The memory is this object's,
/// so every holder of a reference keeps it alive: no copy can outlive it.
///
/// Not thread-safe: the firmware state that holds it lives in the device's core, under the
/// device's lock, and is not `Sendable`. An access must not nest another access to the same
/// element (the subscript's `_modify` yields the element in place).
@_spi(CSFHost) public final class FirmwareSlotArray<Element>: RandomAccessCollection {
    public typealias Indices = Range<Int>

    @usableFromInline let base: UnsafeMutablePointer<Element>
    public let count: Int

    /// `count` elements (none when `count` is negative), each made by its own call of `make`.
    @inlinable
    public init(count: Int, _ make: () -> Element) {
        let count = Swift.max(0, count)
        let base = UnsafeMutablePointer<Element>.allocate(capacity: count)
        for index in 0..<count { (base + index).initialize(to: make()) }
        self.base = base
        self.count = count
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { count }
    @inlinable public var indices: Range<Int> { 0..<count }

    /// Inlinable, as the rest of the type's accessors: the driver's module writes the CSG
    /// interfaces through it on every tick and interrupt, and an unspecialised call of a
    /// generic class's accessor looks its metadata up at run time.
    @inlinable
    public subscript(position: Int) -> Element {
        _read {
            precondition(position >= 0 && position < count, "slot index out of range")
            yield base[position]
        }
        _modify {
            precondition(position >= 0 && position < count, "slot index out of range")
            yield &base[position]
        }
    }

    /// Checks the invariants above that can be checked (`precondition`, so release builds
    /// check too): the count, and that `check`, when given, holds for every element.
    public func _checkInvariants(_ check: (borrowing Element) -> Bool = { _ in true }) {
        precondition(count >= 0, "negative slot count \(count)")
        for index in 0..<count {
            precondition(check(base[index]), "slot \(index) breaks its invariant")
        }
    }
}
