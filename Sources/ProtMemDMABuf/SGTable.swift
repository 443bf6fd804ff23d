import ProtMemMemory

/// One scatter-list entry: a physically contiguous chunk of a buffer.
public struct SGEntry: Hashable, Sendable {
    /// Where the device finds the chunk. Without an IOMMU this is the physical address.
    public let address: PhysicalAddress
    public let length: UInt64

    public init(address: PhysicalAddress, length: UInt64) {
        self.address = address
        self.length = length
    }

    public var range: PhysicalRange? { PhysicalRange(base: address, size: length) }
}

/// `struct sg_table` after mapping: the chunks of a buffer in buffer order.
public struct SGTable: Hashable, Sendable {
    public let entries: [SGEntry]

    public init(_ entries: [SGEntry]) { self.entries = entries }

    public var totalLength: UInt64 { entries.reduce(0) { $0 + $1.length } }

    /// The physical pieces that back bytes `[offset, offset + count)` of the buffer, in order;
    /// `nil` when that window runs past the table.
    public func segments(offset: UInt64, count: UInt64) -> [PhysicalRange]? {
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= totalLength else { return nil }
        var result: [PhysicalRange] = []
        var cursor: UInt64 = 0
        for entry in entries {
            let entryEnd = cursor + entry.length
            defer { cursor = entryEnd }
            guard entryEnd > offset else { continue }
            guard cursor < end else { break }
            let lo = max(offset, cursor)
            let hi = min(end, entryEnd)
            guard let range = PhysicalRange(base: PhysicalAddress(entry.address.rawValue + (lo - cursor)), size: hi - lo) else { return nil }
            result.append(range)
        }
        return result
    }
}
