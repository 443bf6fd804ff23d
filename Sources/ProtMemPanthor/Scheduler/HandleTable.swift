/// A handle the device hands out from 1 upwards and never reuses.
protocol SequentialHandle: Comparable {
    var rawValue: UInt32 { get }
    init(rawValue: UInt32)
}

extension GroupHandle: SequentialHandle {}
extension VMHandle: SequentialHandle {}

/// The device's groups or VMs by handle: a dense array indexed by the handle's number, since
/// handles are small and sequential, so a lookup (several per firmware step) is an index, not
/// a hash. Iteration goes in handle order.
///
/// The values are plain values kept in place: ``subscript(_:)`` lends one out for reading
/// (`_read`, no copy) and for writing in place (`_modify`), so the firmware model and the
/// scheduler, which look a group up on nearly every step, neither copy it nor count
/// references on the way.
struct HandleTable<Handle: SequentialHandle, Value> {
    private var slots: [Value?] = []
    private(set) var count = 0

    subscript(handle: Handle) -> Value? {
        _read {
            let index = Int(handle.rawValue)
            if index < slots.count {
                yield slots[index]
            } else {
                yield nil
            }
        }
        _modify {
            let index = Int(handle.rawValue)
            if index < slots.count {
                let wasPresent = slots[index] != nil
                yield &slots[index]
                let isPresent = slots[index] != nil
                if wasPresent != isPresent { count += isPresent ? 1 : -1 }
            } else {
                var value: Value? = nil
                yield &value
                if value != nil {
                    slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
                    slots[index] = value
                    count += 1
                }
            }
        }
    }

    var isEmpty: Bool { count == 0 }
    /// The values, in handle order.
    var values: [Value] { slots.compactMap { $0 } }
    /// The handles, in order.
    var keys: [Handle] {
        var keys: [Handle] = []
        for index in slots.indices where slots[index] != nil { keys.append(Handle(rawValue: UInt32(index))) }
        return keys
    }

    /// Whether any value satisfies `predicate`, read in place.
    func contains(where predicate: (borrowing Value) -> Bool) -> Bool {
        for index in slots.indices {
            if let value = slots[index], predicate(value) { return true }
        }
        return false
    }

    /// Checks that ``count`` is the number of values held (`precondition`, so release builds
    /// check too).
    func _checkInvariants() {
        var held = 0
        for index in slots.indices where slots[index] != nil { held += 1 }
        precondition(held == count, "handle table counts \(count) values and holds \(held)")
        precondition(slots.isEmpty || slots[0] == nil, "handle 0 is never handed out")
    }
}
