import ProtMemMemory

/// One mapping in a GPU address space: a page-aligned VA range backed, in order, by a list of
/// physical chunks whose sizes add up to the range's size (a scatter list, as a GEM object's
/// sg_table provides).
public struct GPUMapping: Hashable, Sendable, CustomStringConvertible {
    public let virtualRange: GPUVirtualRange
    public let pages: [PhysicalRange]
    public let attributes: GPUMappingAttributes

    /// The physical chunks behind `part`, which must lie inside `virtualRange`: the same list,
    /// trimmed at both ends.
    func physicalChunks(for part: GPUVirtualRange) -> [PhysicalRange] {
        var chunks: [PhysicalRange] = []
        forEachPhysicalChunk(for: part) { chunks.append($0) }
        return chunks
    }

    /// ``physicalChunks(for:)`` one at a time, without building the array (translation runs on
    /// every GPU access).
    @inline(__always)
    func forEachPhysicalChunk(for part: GPUVirtualRange, _ body: (PhysicalRange) -> Void) {
        var skip = part.start.rawValue - virtualRange.start.rawValue
        var wanted = part.size
        // By index rather than `for … in`: the iterator would hold (retain, then release) its
        // own copy of `pages` on every GPU access. Nothing is left to take once `wanted` is 0.
        var position = pages.startIndex
        while position < pages.endIndex, wanted > 0 {
            let chunk = pages[position]
            position += 1
            if skip >= chunk.size {
                skip -= chunk.size
                continue
            }
            let take = min(chunk.size - skip, wanted)
            body(PhysicalRange(base: PhysicalAddress(chunk.base.rawValue + skip), size: take)!)
            wanted -= take
            skip = 0
        }
    }

    /// This mapping restricted to `part` (inside `virtualRange`): what is left of it after an
    /// unmap splits it.
    func restricted(to part: GPUVirtualRange) -> GPUMapping {
        GPUMapping(virtualRange: part, pages: physicalChunks(for: part), attributes: attributes)
    }

    public var description: String {
        "\(virtualRange) → \(pages.map(\.description).joined(separator: ", ")) \(attributes)"
    }
}
