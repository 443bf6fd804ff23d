/// The GPU's recent translations, so the same accesses repeated (a playback's composition
/// job reads and writes the same buffers every frame, the firmware saves its state at the same
/// addresses every frame) do not take the address space's lock and walk its mappings each
/// time: the TLB, in effect.
///
/// An entry is keyed by the address space's mapping ``GPUAddressSpace/version`` (which no
/// other space or state of the mappings ever has), the VA range and the access, and holds only
/// a translation that succeeded: any map or unmap changes the version, so no stale entry is
/// ever found, and a translation that faults is never remembered, so it faults, and is
/// recorded, every time exactly as without the cache.
///
/// Two-way set associative (a few dozen sets): buffers sit at aligned VAs, and two of them
/// sharing a set must not evict each other every frame. A miss costs one translation, as
/// before. Used under the device's lock only (the memory access that holds it lives in the
/// device's core, and is not `Sendable`).
///
/// **Why it is unsafe inside.** A hit, on nearly every GPU access, reads and writes the
/// entries in place: in an `Array` every write (the way used last, a fill) asked whether the
/// buffer was uniquely referenced, and as stored properties of this class every access paid a
/// dynamic exclusivity check. So the entries live in two fixed blocks of memory this object
/// allocates in `init` and frees in `deinit`. This is one of the module's listed storage
/// types: its API is the translation, nothing unsafe leaves it.
///
/// **Invariants** (``_checkInvariants()``): the blocks hold `2 × setCount` entries and
/// `setCount` ways-used-last, all initialised from `init` to `deinit`, and every index is
/// below those counts by construction (a set comes from the hash's top `setShift` bits, a way
/// is 0 or 1); each way-used-last is 0 or 1; every entry filled (version not 0) sits in the
/// set its key hashes to, and its chunks cover exactly its size.
package final class GPUTranslationCache {
    private struct Entry {
        var version: UInt64 = 0
        var start: UInt64 = 0
        var size: UInt64 = 0
        var access = GPUAccessType.read
        var chunks = PhysicalChunkList()
    }

    private static let setShift = 6
    private static let setCount = 1 << setShift
    /// Fixed storage, written in place: no array uniqueness checks on a hit or a fill. Set
    /// `s` is entries `2s` and `2s + 1`.
    private let entries: UnsafeMutablePointer<Entry>
    /// Per set, the way used last: a miss replaces the other one.
    private let recent: UnsafeMutablePointer<UInt8>

    init() {
        entries = .allocate(capacity: 2 * Self.setCount)
        entries.initialize(repeating: Entry(), count: 2 * Self.setCount)
        recent = .allocate(capacity: Self.setCount)
        recent.initialize(repeating: 0, count: Self.setCount)
    }

    deinit {
        entries.deinitialize(count: 2 * Self.setCount)
        entries.deallocate()
        recent.deallocate()
    }

    /// ``GPUAddressSpace/chunks(for:access:)``, remembered while `space`'s mappings stay as
    /// they are. Version 0 is never a space's, so an empty entry never matches.
    func chunks(for range: GPUVirtualRange, access: GPUAccessType, in space: GPUAddressSpace) throws(GPUTranslationFault) -> PhysicalChunkList {
        let version = space.version
        let start = range.start.rawValue
        let set = Self.set(version: version, start: start, access: access)
        for way in 0..<2 {
            let entry = entries + (2 * set + way)
            if entry.pointee.version == version, entry.pointee.start == start, entry.pointee.size == range.size, entry.pointee.access == access {
                recent[set] = UInt8(way)
                return entry.pointee.chunks
            }
        }
        let translated = try space.versionedChunks(for: range, access: access)
        let fill = Self.set(version: translated.version, start: start, access: access)
        let way = 1 - Int(recent[fill])
        recent[fill] = UInt8(way)
        (entries + (2 * fill + way)).pointee = Entry(version: translated.version, start: start, size: range.size, access: access, chunks: translated.chunks)
        return translated.chunks
    }

    /// Checks the invariants in the type's documentation (`precondition`, so release builds
    /// check too).
    package func _checkInvariants() {
        for set in 0..<Self.setCount {
            precondition(recent[set] <= 1, "set \(set): way used last is \(recent[set])")
            for way in 0..<2 {
                let entry = entries[2 * set + way]
                guard entry.version != 0 else { continue }
                precondition(Self.set(version: entry.version, start: entry.start, access: entry.access) == set,
                             "set \(set) way \(way) holds an entry of another set")
                precondition(entry.chunks.totalSize == entry.size, "set \(set) way \(way): chunks of \(entry.chunks.totalSize) bytes for \(entry.size)")
            }
        }
    }

    /// Multiplicative hashing, taking the product's top bits (which every bit of the key
    /// reaches): buffers are mapped at aligned VAs, so the low bits of their page numbers are
    /// mostly equal and would send them all to one set.
    private static func set(version: UInt64, start: UInt64, access: GPUAccessType) -> Int {
        let key = (start >> 12) ^ (version &* 0xBF58_476D_1CE4_E5B9) ^ (UInt64(access.rawValue) << 56)
        return Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - setShift))
    }
}
