@_spi(SecureWorld) import ProtMemMemory

/// Who owns a page in the hypervisor's stage-2 view (pKVM's page states).
public enum Stage2PageState: Hashable, Sendable, CustomStringConvertible {
    /// The host has it alone (the default for all host memory).
    case hostOwned
    /// Shared by the host with another endpoint: both may access it.
    case shared(handle: UInt64)
    /// Lent to another endpoint: the host must not touch it until it is reclaimed.
    case lent(handle: UInt64)
    /// The hypervisor's own.
    case hypervisorOwned

    public var description: String {
        switch self {
        case .hostOwned: "host-owned"
        case .shared(let h): "shared (handle 0x\(String(h, radix: 16)))"
        case .lent(let h): "lent (handle 0x\(String(h, radix: 16)))"
        case .hypervisorOwned: "hypervisor-owned"
        }
    }
}

/// Page ownership as sorted, non-overlapping ranges that are not host-owned; everything not
/// listed belongs to the host. Lookups are by binary search, so a check costs O(log n) in
/// the number of transactions, never O(pages).
struct Stage2Ownership: Hashable, Sendable {
    struct Entry: Hashable, Sendable {
        var range: PhysicalRange
        var state: Stage2PageState
    }

    private(set) var entries: [Entry] = []

    /// Whether every page of `range` is host-owned now.
    func isHostOwned(_ range: PhysicalRange) -> Bool {
        !overlapping(range).contains { _ in true }
    }

    /// Entries overlapping `range`, in address order.
    func overlapping(_ range: PhysicalRange) -> [Entry] {
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].range.end <= range.base.rawValue { low = mid + 1 } else { high = mid }
        }
        var result: [Entry] = []
        var index = low
        while index < entries.count, entries[index].range.base.rawValue < range.end {
            result.append(entries[index])
            index += 1
        }
        return result
    }

    /// Gives host-owned `range` the new state (the caller has checked it is host-owned).
    mutating func assign(_ range: PhysicalRange, _ state: Stage2PageState) {
        let index = entries.firstIndex { $0.range.base > range.base } ?? entries.count
        entries.insert(Entry(range: range, state: state), at: index)
    }

    /// Returns every range in `state` to the host; the ranges it released.
    mutating func release(_ state: Stage2PageState) -> [PhysicalRange] {
        let released = entries.filter { $0.state == state }.map(\.range)
        entries.removeAll { $0.state == state }
        return released
    }

    func _checkInvariants() {
        for (a, b) in zip(entries, entries.dropFirst()) {
            precondition(a.range.end <= b.range.base.rawValue, "stage-2 entries overlap or are out of order: \(a.range) \(b.range)")
        }
        precondition(entries.allSatisfy { $0.state != .hostOwned && $0.range.isPageAligned }, "stage-2 entry host-owned or unaligned")
    }
}
