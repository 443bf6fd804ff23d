/// A fixed number of values (the CSG slots of the firmware, the CS slots of one CSG), written
/// in place through a subscript that does not mutate the array itself.
///
/// The firmware model writes these on nearly every step (`mcu.slots[s].streams[i].active = …`);
/// through an `Array` each such write asked the runtime whether the buffer was uniquely
/// referenced, once per array on the path, and a class holding the elements would be retained
/// and released around every read instead. The slots never change in number and the firmware
/// state is their only holder, so this is a bare pointer and a count: copying it costs
/// nothing, and a write is a store. The memory belongs to a ``FirmwareSlotStorage``, which
/// the firmware state holds and which frees it with the state (a reset builds fresh ones).
///
/// A copy shares the elements, and outlives them if it outlives the state's storage: only
/// the firmware state keeps one, and callers copy elements out, never the array.
struct FirmwareSlotArray<Element>: RandomAccessCollection {
    typealias Indices = Range<Int>

    private let base: UnsafeMutablePointer<Element>
    let count: Int

    /// `count` elements, each made by its own call of `make`, in memory that `storage` owns.
    init(count: Int, in storage: FirmwareSlotStorage, _ make: () -> Element) {
        let count = Swift.max(0, count)
        let base = UnsafeMutablePointer<Element>.allocate(capacity: count)
        for index in 0..<count { (base + index).initialize(to: make()) }
        storage.adopt(base, count: count)
        self.base = base
        self.count = count
    }

    var startIndex: Int { 0 }
    var endIndex: Int { count }
    var indices: Range<Int> { 0..<count }

    subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < count, "slot index out of range")
            return base[position]
        }
        nonmutating _modify {
            precondition(position >= 0 && position < count, "slot index out of range")
            yield &base[position]
        }
        nonmutating set {
            precondition(position >= 0 && position < count, "slot index out of range")
            base[position] = newValue
        }
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: base, count: count))
    }

    func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: base, count: count))
    }
}

/// The memory of one firmware state's ``FirmwareSlotArray``s, freed (elements destroyed
/// first) when the state that holds this goes.
final class FirmwareSlotStorage {
    private var frees: [() -> Void] = []

    func adopt<Element>(_ base: UnsafeMutablePointer<Element>, count: Int) {
        frees.append {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    deinit {
        for free in frees.reversed() { free() }
    }
}
