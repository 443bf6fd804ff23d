/// A handle the device hands out from 1 upwards and never reuses.
protocol SequentialHandle: Comparable {
    var rawValue: UInt32 { get }
}

extension GroupHandle: SequentialHandle {}
extension VMHandle: SequentialHandle {}

/// The device's groups or VMs by handle: a dense array indexed by the handle's number, since
/// handles are small and sequential, so a lookup (several per firmware step) is an index, not
/// a hash. Iteration goes in handle order.
///
/// The firmware model and the scheduler look a group up on nearly every step and hand it on;
/// a strong reference read out of the table is retained for that and released after, a pair
/// per lookup. So the table also keeps each value unmanaged: ``reference(_:)`` hands it out
/// as a plain value, and the caller uses it through `_withUnsafeGuaranteedRef` (for groups,
/// ``PanthorCore/withGroup(_:_:)``) with no reference count touched. The table's own strong
/// reference keeps the value alive, and no caller removes a value from the table while it
/// uses one (a group is released only off its slot, by ``PanthorCore/release(_:)``, never
/// from such a body). Lent through a method of the table instead, the body would run while
/// the table itself is borrowed, and the compiler copies the table (retaining its arrays) to
/// keep it stable across the body.
struct HandleTable<Handle: SequentialHandle, Value: AnyObject> {
    private var slots: [Value?] = []
    /// The same values unmanaged, for ``reference(_:)``: reading one is a plain load.
    private var unmanaged: [Unmanaged<Value>?] = []
    private var handles: [Handle?] = []
    private(set) var count = 0

    subscript(handle: Handle) -> Value? {
        get {
            let index = Int(handle.rawValue)
            return index < slots.count ? slots[index] : nil
        }
        set {
            let index = Int(handle.rawValue)
            if index >= slots.count {
                guard newValue != nil else { return }
                slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
                unmanaged.append(contentsOf: repeatElement(nil, count: index + 1 - unmanaged.count))
                handles.append(contentsOf: repeatElement(nil, count: index + 1 - handles.count))
            }
            count += (newValue != nil ? 1 : 0) - (slots[index] != nil ? 1 : 0)
            unmanaged[index] = newValue.map { Unmanaged.passUnretained($0) }
            handles[index] = newValue == nil ? nil : handle
            slots[index] = newValue
        }
    }

    /// The value of `handle`, unretained: valid while the table holds it.
    @inline(__always)
    func reference(_ handle: Handle) -> Unmanaged<Value>? {
        let index = Int(handle.rawValue)
        return index < unmanaged.count ? unmanaged[index] : nil
    }

    var isEmpty: Bool { count == 0 }
    /// The values, in handle order.
    var values: [Value] { slots.compactMap { $0 } }
    /// The handles, in order.
    var keys: [Handle] { handles.compactMap { $0 } }
}
