import ProtMemMemory

extension Stage2Ownership {
    /// The lowest edge of an entry (where one begins or ends) above `range.base` and below
    /// `range.end`: page states, and so every answer stage 2 gives, are alike between edges.
    /// By binary search, O(log entries), and without building the list of entries the range
    /// meets.
    func boundary(in range: PhysicalRange) -> PhysicalAddress? {
        let lo = range.base.rawValue
        // The first entry ending above `lo`: either it holds `lo` (its end is the next edge)
        // or it lies wholly above (its start is).
        var low = 0, high = entries.count
        while low < high {
            let mid = (low + high) / 2
            if entries[mid].range.end <= lo { low = mid + 1 } else { high = mid }
        }
        guard low < entries.count else { return nil }
        let entry = entries[low].range
        let edge = entry.base.rawValue > lo ? entry.base.rawValue : entry.end
        return edge < range.end ? PhysicalAddress(edge) : nil
    }
}
