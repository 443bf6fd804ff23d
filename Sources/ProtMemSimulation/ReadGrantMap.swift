import ProtMemMemory
import ProtMemSecureWorld

/// Who the protections in force let read each page: the invariant checker's measure of
/// entitlement to protected content, built from every protection record there is (the
/// secure monitor's firewall regions, the hypervisor's lends and shares).
///
/// Entitlement is a matter of place: a record grants its readers the pages it covers and
/// nothing else, so a record that lets the CPU read one page says nothing about protected
/// content on any other, and content on a page no record covers is no one's to read. Where
/// records overlap, a page's readers are all those any of them grants.
///
/// Built once per change of the protections (a handful of times in a run); a question costs
/// a binary search and a walk over the stretches the range meets, O(log records + records).
struct ReadGrantMap {
    /// A stretch of memory some protection covers, with the readers granted on all of it:
    /// bit `n` for the reader in slot `n`.
    private struct Stretch {
        let start: UInt64
        var end: UInt64
        let readers: UInt64
    }

    /// Disjoint and lowest first; stretches that touch have different readers.
    private var stretches: [Stretch] = []
    /// The slot of each reader name a record grants: the standard masters first, in the order
    /// of ``BusMaster/standard`` (so a standard master's slot is its index there), then every
    /// other name, up to 64 in all.
    private var slots: [String: Int] = [:]
    /// The records that grant a name with no slot (more than 64 names), asked by name.
    private var unslotted: [ProtectionRecord] = []

    static let slotCount = 64

    init() {}

    init(_ records: [ProtectionRecord], standardNames: [String]) {
        for name in standardNames where slots[name] == nil && slots.count < Self.slotCount { slots[name] = slots.count }
        for record in records {
            for name in record.readers where slots[name] == nil && slots.count < Self.slotCount { slots[name] = slots.count }
        }
        unslotted = records.filter { $0.readers.contains { slots[$0] == nil } }
        let masks = records.map { record in record.readers.reduce(UInt64(0)) { mask, name in slots[name].map { mask | 1 << $0 } ?? mask } }
        // A sweep over every edge, lowest first, with the records covering the stretch from
        // it to the next (every record's ends are edges, so each active one covers it all).
        var edges = records.flatMap { [$0.range.base.rawValue, $0.range.end] }
        edges.sort()
        let byBase = records.indices.sorted { records[$0].range.base < records[$1].range.base }
        var nextRecord = 0
        var active: [Int] = []
        var position = 0
        while position < edges.count {
            let start = edges[position]
            while position < edges.count, edges[position] == start { position += 1 }
            guard position < edges.count else { break }
            let end = edges[position]
            while nextRecord < byBase.count, records[byBase[nextRecord]].range.base.rawValue <= start {
                active.append(byBase[nextRecord])
                nextRecord += 1
            }
            active.removeAll { records[$0].range.end <= start }
            let readers = active.reduce(UInt64(0)) { $0 | masks[$1] }
            guard readers != 0 else { continue }
            if let last = stretches.last, last.end == start, last.readers == readers {
                stretches[stretches.count - 1].end = end
            } else {
                stretches.append(Stretch(start: start, end: end, readers: readers))
            }
        }
    }

    /// The slot of the reader called `name`, if any record grants it (or it is a standard
    /// master's).
    func slot(of name: String) -> Int? { slots[name] }

    /// Whether protections grant the reader in `slot` every page `range` touches.
    func grants(slot: Int, everyPageOf range: PhysicalRange) -> Bool {
        guard !range.isEmpty else { return true }
        let (lo, hi) = Self.pages(of: range)
        let bit: UInt64 = 1 << UInt64(slot)
        // The last stretch starting at or below `lo`.
        var low = 0, high = stretches.count
        while low < high {
            let mid = (low + high) / 2
            if stretches[mid].start <= lo { low = mid + 1 } else { high = mid }
        }
        guard low > 0 else { return false }
        var index = low - 1
        var reached = lo
        while true {
            let stretch = stretches[index]
            guard stretch.start <= reached, stretch.end > reached, stretch.readers & bit != 0 else { return false }
            reached = stretch.end
            if reached >= hi { return true }
            index += 1
            guard index < stretches.count else { return false }
        }
    }

    /// Whether protections grant the reader called `name` every page `range` touches.
    func grants(name: String, everyPageOf range: PhysicalRange) -> Bool {
        if let slot = slots[name] { return grants(slot: slot, everyPageOf: range) }
        // A name beyond the slots: page by page over the records that grant it (only ever
        // asked about a marker's one or two pages).
        let granting = unslotted.filter { $0.readers.contains(name) }
        let (lo, hi) = Self.pages(of: range)
        var page = lo
        while page < hi {
            guard granting.contains(where: { $0.range.base.rawValue <= page && page + pageSize <= $0.range.end }) else { return false }
            page += pageSize
        }
        return true
    }

    /// The pages `range` touches, as the address of the first and one past the last (the
    /// top of the address space for a range in its last page).
    static func pages(of range: PhysicalRange) -> (lo: UInt64, hi: UInt64) {
        let mask = pageSize - 1
        let (rounded, wraps) = range.end.addingReportingOverflow(mask)
        return (range.base.rawValue & ~mask, wraps ? UInt64.max : rounded & ~mask)
    }
}
