/// A handle the device hands out from 1 upwards and never reuses.
protocol SequentialHandle: Comparable {
    var rawValue: UInt32 { get }
}

extension GroupHandle: SequentialHandle {}
extension VMHandle: SequentialHandle {}

/// The device's groups or VMs by handle: a dense array indexed by the handle's number, since
/// handles are small and sequential, so a lookup (several per firmware step) is an index, not
/// a hash. Iteration goes in handle order.
struct HandleTable<Handle: SequentialHandle, Value: AnyObject> {
    private var slots: [Value?] = []
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
                handles.append(contentsOf: repeatElement(nil, count: index + 1 - handles.count))
            }
            count += (newValue != nil ? 1 : 0) - (slots[index] != nil ? 1 : 0)
            slots[index] = newValue
            handles[index] = newValue == nil ? nil : handle
        }
    }

    var isEmpty: Bool { count == 0 }
    /// The values, in handle order.
    var values: [Value] { slots.compactMap { $0 } }
    /// The handles, in order.
    var keys: [Handle] { handles.compactMap { $0 } }
}
