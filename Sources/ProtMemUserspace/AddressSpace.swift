import ProtMemMemory

/// One mapped range of a process: `struct vm_area_struct`.
struct VirtualMemoryArea {
    var start: UInt64
    var end: UInt64
    let protection: MmapProtection
    let object: MappedObject
    /// Where `start` falls in the object's mapping, in bytes.
    var objectOffset: UInt64

    var length: UInt64 { end - start }
}

/// A process's mappings: `struct mm_struct`'s VMA tree, as a sorted array.
///
/// New mappings are placed top down from ``mmapBase`` with a guard page between neighbours,
/// and addresses are never handed out twice, so a stale address faults instead of reaching
/// a later mapping. The bounds are x86-64's (the reference kernel's): `TASK_SIZE` is
/// 2^47 − 4096 and `vm.max_map_count` is 65530.
struct AddressSpace {
    /// `TASK_SIZE` on x86-64 with 4-level page tables.
    static let taskSize: UInt64 = 0x7fff_ffff_f000
    /// Where the first mapping ends (below the stack, as `mmap_base` is).
    static let mmapBase: UInt64 = 0x7fff_f000_0000
    /// The lowest address a mapping may take (above a PIE program and its heap).
    static let mmapFloor: UInt64 = 0x5600_0000_0000
    /// `sysctl_max_map_count`
    static let maxMapCount = 65530

    private(set) var areas: [VirtualMemoryArea] = []
    private var nextTop = mmapBase

    var mapCount: Int { areas.count }

    /// `get_unmapped_area` without `MAP_FIXED`: where a mapping of `length` bytes would go,
    /// or `nil` when the address space has no room (`ENOMEM`).
    func unmappedArea(length: UInt64) -> UInt64? {
        guard length <= Self.taskSize, nextTop >= Self.mmapFloor, nextTop - Self.mmapFloor >= length else { return nil }
        return nextTop - length
    }

    mutating func insert(_ area: VirtualMemoryArea) {
        let index = areas.firstIndex { $0.start > area.start } ?? areas.count
        areas.insert(area, at: index)
        nextTop = min(nextTop, area.start >= pageSize ? area.start - pageSize : 0)
    }

    /// `do_vmi_munmap` of `[start, end)`: areas inside go, areas across an edge are trimmed,
    /// an area around the whole range is split in two (the new piece takes a file reference;
    /// `ENOMEM` at the map-count limit, as `split_vma` answers). Returns the objects whose
    /// pieces went, for the caller to drop.
    mutating func unmap(_ start: UInt64, _ end: UInt64) throws(Errno) -> [MappedObject] {
        var dropped: [MappedObject] = []
        var result: [VirtualMemoryArea] = []
        for area in areas {
            guard area.end > start, area.start < end else {
                result.append(area)
                continue
            }
            if area.start >= start, area.end <= end {
                dropped.append(area.object)
            } else if area.start < start, area.end > end {
                guard areas.count + 1 <= Self.maxMapCount else { throw .noMemory }
                try area.object.addPiece()
                var left = area, right = area
                left.end = start
                right.start = end
                right.objectOffset = area.objectOffset + (end - area.start)
                result.append(left)
                result.append(right)
            } else if area.start < start {
                var left = area
                left.end = start
                result.append(left)
            } else {
                var right = area
                right.start = end
                right.objectOffset = area.objectOffset + (end - area.start)
                result.append(right)
            }
        }
        areas = result
        return dropped
    }

    /// Everything, for exit and exec.
    mutating func removeAll() -> [MappedObject] {
        defer { areas = [] }
        return areas.map(\.object)
    }

    /// The pieces of `[start, start + count)` and where each falls in its area, or `nil` when
    /// some byte of it is not mapped.
    func pieces(_ start: UInt64, _ count: UInt64) -> [(area: VirtualMemoryArea, offset: UInt64, count: UInt64)]? {
        let (end, overflow) = start.addingReportingOverflow(count)
        guard !overflow else { return nil }
        var result: [(VirtualMemoryArea, UInt64, UInt64)] = []
        var position = start
        while position < end {
            guard let area = areas.first(where: { $0.start <= position && position < $0.end }) else { return nil }
            let length = min(area.end, end) - position
            result.append((area, position - area.start, length))
            position += length
        }
        return result
    }

    func _checkInvariants() {
        for (a, b) in zip(areas, areas.dropFirst()) {
            precondition(a.end <= b.start, "mappings overlap: \(a.start)..<\(a.end) and \(b.start)..<\(b.end)")
        }
        for area in areas {
            precondition(area.start < area.end && area.start & (pageSize - 1) == 0 && area.end & (pageSize - 1) == 0,
                         "mapping \(area.start)..<\(area.end) is empty or not page-aligned")
        }
    }
}
