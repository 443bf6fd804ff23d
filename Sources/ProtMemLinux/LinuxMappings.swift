import ProtMemUserspace

/// The mappings a ``LinuxProcess`` made, so that a load or a store is checked against them
/// before it touches memory: what the model's address space answers with `EFAULT` would be a
/// signal in a real process.
struct LinuxMappings {
    struct Area {
        var start: UInt64
        var end: UInt64
        var protection: MmapProtection
    }

    /// Disjoint, lowest first.
    private(set) var areas: [Area] = []

    /// A new mapping, which replaces whatever it overlaps (as `MAP_FIXED` would).
    mutating func insert(start: UInt64, length: UInt64, protection: MmapProtection) {
        remove(start: start, length: length)
        let index = areas.firstIndex { $0.start > start } ?? areas.endIndex
        areas.insert(Area(start: start, end: start + length, protection: protection), at: index)
    }

    /// `[start, start + length)` unmapped: areas inside it go, areas across its edges are cut.
    mutating func remove(start: UInt64, length: UInt64) {
        let (end, overflow) = start.addingReportingOverflow(length)
        let stop = overflow ? UInt64.max : end
        var kept: [Area] = []
        for area in areas {
            if area.end <= start || area.start >= stop { kept.append(area); continue }
            if area.start < start { kept.append(Area(start: area.start, end: start, protection: area.protection)) }
            if area.end > stop { kept.append(Area(start: stop, end: area.end, protection: area.protection)) }
        }
        areas = kept
    }

    /// Whether `[address, address + count)` lies in areas without gaps that all allow the access.
    func covers(_ address: UInt64, _ count: UInt64, allowing allowed: (MmapProtection) -> Bool) -> Bool {
        let (end, overflow) = address.addingReportingOverflow(count)
        guard !overflow else { return false }
        var next = address
        for area in areas where area.end > next && area.start <= next {
            guard allowed(area.protection) else { return false }
            next = area.end
            if next >= end { return true }
        }
        return count == 0 && areas.contains { $0.start <= address && address < $0.end }
    }

    func _checkInvariants(pageSize: UInt64) {
        for (index, area) in areas.enumerated() {
            precondition(area.start < area.end, "a mapping is not empty")
            precondition(area.start % pageSize == 0 && area.end % pageSize == 0, "a mapping is whole pages")
            if index > 0 { precondition(areas[index - 1].end <= area.start, "mappings are disjoint and sorted") }
        }
    }
}
