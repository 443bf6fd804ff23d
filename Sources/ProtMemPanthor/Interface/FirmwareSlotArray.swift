/// A fixed number of values (the CSG slots of the firmware, the CS slots of one CSG), written
/// in place through a subscript that does not mutate the array itself.
///
/// The firmware model writes these on nearly every step (`mcu.slots[s].streams[i].active = …`);
/// through an `Array` each such write asked the runtime whether the buffer was uniquely
/// referenced, once per array on the path. The slots never change in number, and the
/// firmware state is their only holder, so the check can never find a copy: here it is gone.
///
/// It is a reference: a copy of the array (or of a value holding one) shares its elements.
/// The firmware state (``FirmwareModelState``) builds each one separately and never copies
/// one to write to; a fresh state (a reset) builds fresh ones. Used under the device's lock.
struct FirmwareSlotArray<Element>: RandomAccessCollection {
    private final class Storage {
        let base: UnsafeMutablePointer<Element>
        let count: Int

        init(count: Int, _ make: () -> Element) {
            base = .allocate(capacity: count)
            for index in 0..<count { (base + index).initialize(to: make()) }
            self.count = count
        }

        deinit {
            base.deinitialize(count: count)
            base.deallocate()
        }
    }

    private let storage: Storage

    /// `count` elements, each made by its own call of `make`.
    init(count: Int, _ make: () -> Element) {
        storage = Storage(count: Swift.max(0, count), make)
    }

    var startIndex: Int { 0 }
    var endIndex: Int { storage.count }

    subscript(position: Int) -> Element {
        get {
            precondition(position >= 0 && position < storage.count, "slot index out of range")
            return storage.base[position]
        }
        nonmutating _modify {
            precondition(position >= 0 && position < storage.count, "slot index out of range")
            yield &storage.base[position]
        }
        nonmutating set {
            precondition(position >= 0 && position < storage.count, "slot index out of range")
            storage.base[position] = newValue
        }
    }

    func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Element>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.base, count: storage.count))
    }
}
