/// The groups a tick picked, in pick order: a list emptied and refilled by every tick.
///
/// Its elements live in an array that only ever grows, with the list's length kept apart:
/// emptying it is a store of zero, where `removeAll(keepingCapacity:)` went through the
/// array's generic `replaceSubrange` on every tick.
struct PickList {
    private var storage: [PickedGroup] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }
    var endIndex: Int { count }
    var indices: Range<Int> { 0..<count }

    subscript(index: Int) -> PickedGroup {
        precondition(index >= 0 && index < count, "pick index out of range")
        return storage[index]
    }

    mutating func removeAll() { count = 0 }

    /// Drops the last `k` picks.
    mutating func removeLast(_ k: Int) {
        precondition(k >= 0 && k <= count, "removing more picks than there are")
        count -= k
    }

    mutating func append(_ group: PickedGroup) {
        if count < storage.count {
            storage[count] = group
        } else {
            storage.append(group)
        }
        count += 1
    }

    /// Inserts `group` at `index`, moving the picks from there one place on.
    mutating func insert(_ group: PickedGroup, at index: Int) {
        precondition(index >= 0 && index <= count, "pick index out of range")
        if count == storage.count { storage.append(group) }
        var position = count
        var picks = storage.mutableSpan
        while position > index {
            picks[position] = picks[position - 1]
            position -= 1
        }
        picks[index] = group
        count += 1
    }

    func contains(handle: GroupHandle) -> Bool {
        var index = 0
        while index < count {
            if storage[index].handle == handle { return true }
            index += 1
        }
        return false
    }
}
