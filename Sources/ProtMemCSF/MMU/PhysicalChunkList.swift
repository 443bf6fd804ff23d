import ProtMemMemory

/// The physical chunks a translation found, in VA order, with physically contiguous
/// neighbours merged: the first chunk is kept inline and only further ones go to an array, so
/// translating an access that one chunk covers (nearly every GPU access) allocates nothing.
/// That array is `nil` until a second chunk needs it, so copying a one-chunk list (every
/// cached translation handed out) retains and releases nothing, where even the empty array's
/// storage was counted on every copy.
struct PhysicalChunkList: RandomAccessCollection {
    private var first: PhysicalRange?
    private var rest: [PhysicalRange]?

    init() {}

    var startIndex: Int { 0 }
    var endIndex: Int { first == nil ? 0 : 1 + (rest?.count ?? 0) }

    subscript(position: Int) -> PhysicalRange {
        position == 0 ? first! : rest![position - 1]
    }

    /// Appends `chunk`, merged into the last chunk when it continues it physically.
    mutating func append(_ chunk: PhysicalRange) {
        guard let head = first else {
            first = chunk
            return
        }
        if let last = rest?.last {
            if last.end == chunk.base.rawValue {
                rest![rest!.count - 1] = PhysicalRange(base: last.base, size: last.size + chunk.size)!
            } else {
                rest!.append(chunk)
            }
        } else if head.end == chunk.base.rawValue {
            first = PhysicalRange(base: head.base, size: head.size + chunk.size)!
        } else {
            rest = [chunk]
        }
    }

    /// The chunk, when there is exactly one.
    var single: PhysicalRange? { rest == nil ? first : nil }

    /// The bytes the chunks hold.
    var totalSize: UInt64 { reduce(0) { $0 + $1.size } }
}
