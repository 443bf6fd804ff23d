/// A handle the device hands out from 1 upwards and never reuses (what ``HandleTable`` keys by).
public protocol SequentialHandle: Comparable {
    var rawValue: UInt32 { get }
    init(rawValue: UInt32)
}

/// The driver's groups or VMs by handle, or the rings of each group in GPU memory
/// (``CommandRingTable``): a dense array indexed by the handle's number, since
/// handles are small and sequential, so a lookup (several per firmware step) is an index, not
/// a hash. Iteration goes in handle order.
///
/// The values are plain values kept in place. The firmware model and the scheduler look a
/// group up on nearly every step, so the ways in are those the optimiser turns into plain
/// loads and stores: ``contains(_:)`` reads a flag, and ``update(_:_:)`` lends the value
/// `inout`, in place (the array's element projected, nothing copied), to read or write it.
/// ``subscript(_:)`` copies the value out (retaining all it holds): for the paths that run
/// once per call, not per step.
///
/// Inlinable: the driver's module looks its groups up on every step, as the firmware's looks up
/// rings, and each must be specialised for its own value type.
@_spi(CSFHost) public struct HandleTable<Handle: SequentialHandle, Value> {
    @usableFromInline var slots: [Value?] = []
    /// Whether each slot holds a value, as plain flags: the test reads no value.
    @usableFromInline var present: [Bool] = []

    @inlinable
    public init() {}

    @inlinable
    public subscript(handle: Handle) -> Value? {
        let index = Int(handle.rawValue)
        return index < slots.count ? slots[index] : nil
    }

    /// Keeps `value` for `handle` (a new handle, or in place of what it had).
    @inlinable
    public mutating func insert(_ value: Value, for handle: Handle) {
        let index = Int(handle.rawValue)
        if index >= slots.count {
            slots.append(contentsOf: repeatElement(nil, count: index + 1 - slots.count))
            present.append(contentsOf: repeatElement(false, count: index + 1 - present.count))
        }
        slots[index] = value
        present[index] = true
    }

    /// Forgets the value of `handle`, if any.
    @inlinable
    public mutating func remove(_ handle: Handle) {
        guard contains(handle) else { return }
        let index = Int(handle.rawValue)
        slots[index] = nil
        present[index] = false
    }

    /// Whether the table holds a value for `handle`.
    @inlinable @inline(__always)
    public func contains(_ handle: Handle) -> Bool {
        let index = Int(handle.rawValue)
        return index < present.count && present[index]
    }

    /// Runs `body` on the value of `handle` in place; `nil` when there is none.
    @inlinable @inline(__always) @discardableResult
    public mutating func update<R>(_ handle: Handle, _ body: (inout Value) throws -> R) rethrows -> R? {
        guard contains(handle) else { return nil }
        return try body(&slots[Int(handle.rawValue)]!)
    }

    /// The values, in handle order.
    @inlinable
    public var values: [Value] { slots.compactMap { $0 } }
    /// The handles, in order.
    @inlinable
    public var keys: [Handle] {
        var keys: [Handle] = []
        for index in present.indices where present[index] { keys.append(Handle(rawValue: UInt32(index))) }
        return keys
    }

    /// Whether any value satisfies `predicate`.
    @inlinable
    public func contains(where predicate: (Value) -> Bool) -> Bool {
        for index in slots.indices {
            if let value = slots[index], predicate(value) { return true }
        }
        return false
    }

    /// Checks that the flags say which slots hold a value, and that handle 0, never handed
    /// out, holds none (`precondition`, so release builds check too).
    public func _checkInvariants() {
        precondition(present.count == slots.count, "\(present.count) flags for \(slots.count) slots")
        for index in slots.indices {
            precondition(present[index] == (slots[index] != nil), "slot \(index): flag \(present[index]) for what it holds")
        }
        precondition(slots.isEmpty || !present[0], "handle 0 is never handed out")
    }
}
