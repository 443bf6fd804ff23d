@_spi(SecureWorld) import ProtMemMemory
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A memory firewall in the manner of Arm's TZC-400, sitting in front of DRAM on the bus.
///
/// Anyone may read its configuration and the bus asks it about every transaction, but only
/// the secure world can change it: the programming methods are internal to this module and
/// reached through a ``FirewallProgrammer`` that only ``SecureMonitor`` holds.
///
/// A check walks the segments of the address map the enabled regions make (at most two per
/// region) that the request meets, so it costs O(regions) at worst per transaction whatever
/// its length, and for the usual request inside one buffer a segment or two.
public final class TZC400: BusAccessFilter, Sendable {
    /// Regions including the background region 0; 8 by default as the board has,
    /// up to the TZC-400's 9.
    public let regionCount: Int
    public let filterName = "tzc400"

    /// The regions, and beside them the address map they make: what a check reads for every
    /// transaction on the bus. Rebuilt whenever a region is programmed (a handful of times in
    /// a run), so a check walks only the few segments its range meets instead of splitting
    /// the range at region edges, region by region, as the regions alone would make it.
    private struct State: Sendable {
        var regions: [FirewallRegion]
        /// The address space cut where any enabled region begins or ends, lowest first, the
        /// first segment starting at 0 and the last running to the top of the address space;
        /// each carries the region that decides there (the highest-numbered enabled region
        /// covering it, else the background) with that region's rights.
        var segments: [Segment] = []

        init(_ regions: [FirewallRegion]) {
            self.regions = regions
            rebuild()
        }

        mutating func rebuild() {
            var edges: [UInt64] = [0]
            for region in regions.dropFirst() where region.enabled {
                guard let range = region.range else { continue }
                edges.append(range.base.rawValue)
                edges.append(range.end)
            }
            edges.sort()
            segments.removeAll(keepingCapacity: true)
            for (position, start) in edges.enumerated() where position == 0 || start != edges[position - 1] {
                var decider = 0
                for index in regions.indices.dropFirst().reversed() where regions[index].enabled {
                    if let range = regions[index].range, range.base.rawValue <= start, start < range.end {
                        decider = index
                        break
                    }
                }
                segments.append(Segment(start: start, rights: Rights(regions[decider]), region: decider))
            }
        }
    }

    /// Who a region lets in, as one word a check tests a single bit of: bit `n` for reads from
    /// NSAID `n`, bit `16 + n` for writes from it, bits 32 and 33 for secure reads and writes.
    private struct Rights: Sendable {
        let bits: UInt64

        init(_ region: FirewallRegion) {
            bits = UInt64(region.nonSecureRead.rawValue) | UInt64(region.nonSecureWrite.rawValue) << 16
                | (region.secureRead ? 1 << 32 : 0) | (region.secureWrite ? 1 << 33 : 0)
        }

        /// The bit that says whether `master` may perform `kind`.
        @inline(__always)
        static func bit(_ master: BusMaster, _ kind: AccessKind) -> UInt64 {
            1 << bitIndex(master, kind)
        }

        /// The position of ``bit(_:_:)``.
        @inline(__always)
        static func bitIndex(_ master: BusMaster, _ kind: AccessKind) -> UInt64 {
            if master.isSecure { return kind == .read ? 32 : 33 }
            return UInt64(master.nsaid & 15) + (kind == .read ? 0 : 16)
        }
    }

    private struct Segment: Sendable {
        let start: UInt64
        let rights: Rights
        let region: Int
    }

    private let regions: Mutex<State>

    /// The address map as checks read it, without the lock: a sequence lock over words (the
    /// segment count, then each segment's start and its rights with the region in bits 48
    /// and up). Programming, under `regions`' lock, makes the sequence odd, rewrites the
    /// words and makes it even again; a check reads the words between two reads of an even,
    /// unchanged sequence, or reads again. Every transaction on the bus asks the firewall,
    /// and the map changes a handful of times a run, so a check takes no lock at all. A
    /// refusal's reason is built under the lock, from the regions as they decided.
    private let sequence = Atomic<UInt64>(0)
    private let map: AtomicWordArray
    /// The count word, then two words a segment: at most 17 segments, the one from 0 and one
    /// more at each of the two edges of up to 8 regions besides the background.
    private static let mapCapacity = 1 + 2 * 17

    /// Recent answers of ``permits(_:_:_:)``, each with the map it was read from: a frame
    /// asks about the same few buffers, as the same few masters, again and again, and the
    /// answer is a function of the map and the question alone. Direct-mapped entries of four
    /// words (a version, the range's two ends, and the map's sequence with the right's bit
    /// and the answer), each its own sequence lock: a filler makes the version odd by a
    /// compare-and-swap (or leaves the entry to whoever holds it), writes, and makes it even
    /// again; a reader takes the words only between two reads of one even version. An entry
    /// whose map sequence is not the current one never answers, so programming a region
    /// retires every answer at once.
    private let memo: AtomicWordArray
    private static let memoEntries = 128
    /// The shift that leaves an entry's index (`memoEntries` is 2^(64 - memoShift)).
    private static let memoShift: UInt64 = 57

    init(regionCount: Int) {
        precondition((1...9).contains(regionCount), "a TZC-400 has 1 to 9 regions")
        self.regionCount = regionCount
        let state = State((0..<regionCount).map(FirewallRegion.init(resetIndex:)))
        self.map = AtomicWordArray(count: Self.mapCapacity)
        self.memo = AtomicWordArray(count: 4 * Self.memoEntries)
        self.regions = Mutex(state)
        publish(state.segments)
    }

    /// Writes `segments` into the map the checks read; called with `regions` locked (or
    /// before anyone can check), so writers never race each other.
    private func publish(_ segments: [Segment]) {
        precondition(1 + 2 * segments.count <= Self.mapCapacity, "TZC-400 address map over capacity")
        let before = sequence.load(ordering: .relaxed)
        sequence.store(before &+ 1, ordering: .relaxed)
        atomicMemoryFence(ordering: .releasing)
        map.storeRelaxed(UInt64(segments.count), at: 0)
        for (index, segment) in segments.enumerated() {
            map.storeRelaxed(segment.start, at: 1 + 2 * index)
            map.storeRelaxed(segment.rights.bits | UInt64(segment.region) << 48, at: 2 + 2 * index)
        }
        sequence.store(before &+ 2, ordering: .releasing)
    }

    /// ``firstDenial(_:_:_:_:)`` over the published map, without the lock.
    @inline(__always)
    private func publishedDenial(_ lo: UInt64, _ hi: UInt64, _ bit: UInt64) -> (UInt64, Int)? {
        publishedDenialAndSequence(lo, hi, bit).denial
    }

    /// ``publishedDenial(_:_:_:)`` and the sequence of the map it was read from.
    @inline(__always)
    private func publishedDenialAndSequence(_ lo: UInt64, _ hi: UInt64, _ bit: UInt64) -> (denial: (UInt64, Int)?, sequence: UInt64) {
        var spins = 0
        while true {
            let before = sequence.load(ordering: .acquiring)
            guard before & 1 == 0 else {
                // A writer is mid-publish (under `regions`' lock): if it was preempted there,
                // give it the processor rather than spin for its whole time slice.
                spins += 1
                if spins > 100 { sched_yield() }
                continue
            }
            let answer = Self.firstDenial(map, lo, hi, bit)
            atomicMemoryFence(ordering: .acquiring)
            if sequence.load(ordering: .relaxed) == before { return (answer, before) }
        }
    }

    /// ``permits(_:_:_:)`` from the map, by way of ``memo``. `bitIndex` is the position of
    /// the right's bit (below 34), kept in the entry's last word beside the map's sequence
    /// (which only grows, by two per programming, so it never reaches 2^56).
    @inline(__always)
    private func memoizedPermits(_ lo: UInt64, _ hi: UInt64, _ bitIndex: UInt64) -> Bool {
        // The question mixed by multiplication, its top bits the entry: a range's two ends
        // differ in few bits, which a plain xor of them would cancel.
        let mixed = (lo &* 0x9e37_79b9_7f4a_7c15) ^ (hi &* 0xc2b2_ae3d_27d4_eb4f) ^ (bitIndex &* 0x1656_67b1_9e37_79f9)
        let entry = 4 * Int(truncatingIfNeeded: mixed >> Self.memoShift)
        let current = sequence.load(ordering: .acquiring)
        let tag = current << 7 | bitIndex << 1
        let version = memo.loadAcquiring(entry)
        if version & 1 == 0, memo.loadRelaxed(entry + 1) == lo, memo.loadRelaxed(entry + 2) == hi {
            let last = memo.loadRelaxed(entry + 3)
            atomicMemoryFence(ordering: .acquiring)
            if last & ~1 == tag, memo.loadRelaxed(entry) == version { return last & 1 != 0 }
        }
        let (denial, read) = publishedDenialAndSequence(lo, hi, 1 << bitIndex)
        let answer = denial == nil
        // Kept only when the entry was free to take: a reader mid-read sees its version move.
        if version & 1 == 0, memo.compareExchangeRelaxed(entry, expected: version, desired: version &+ 1).exchanged {
            atomicMemoryFence(ordering: .releasing)
            memo.storeRelaxed(lo, at: entry + 1)
            memo.storeRelaxed(hi, at: entry + 2)
            memo.storeRelaxed(read << 7 | bitIndex << 1 | (answer ? 1 : 0), at: entry + 3)
            memo.storeReleasing(version &+ 2, at: entry)
        }
        return answer
    }

    /// ``firstDenial(_:_:_:_:)`` over the map's words. A read that races a writer may see any
    /// mix of words (it is thrown away), so it stays within the map whatever it reads.
    @inline(__always)
    private static func firstDenial(_ map: borrowing AtomicWordArray, _ lo: UInt64, _ hi: UInt64, _ bit: UInt64) -> (UInt64, Int)? {
        let count = min(Int(truncatingIfNeeded: map.loadRelaxed(0) & 0xff), (mapCapacity - 1) / 2)
        guard count > 0 else { return nil }
        var index = 0
        while index + 1 < count, map.loadRelaxed(3 + 2 * index) <= lo { index += 1 }
        while true {
            let word = map.loadRelaxed(2 + 2 * index)
            if word & bit == 0 { return (max(lo, map.loadRelaxed(1 + 2 * index)), Int(truncatingIfNeeded: word >> 48)) }
            index += 1
            if index == count || map.loadRelaxed(1 + 2 * index) >= hi { return nil }
        }
    }

    /// The current configuration, region 0 first.
    public var configuration: [FirewallRegion] { regions.withLock { $0.regions } }

    public func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)? {
        guard range.size > 0 else { return nil }
        let bit = Rights.bit(master, kind)
        guard publishedDenial(range.base.rawValue, range.end, bit) != nil else { return nil }
        guard let (address, index, place) = regions.withLock({ state -> (UInt64, Int, PhysicalRange?)? in
            guard let (address, index) = Self.firstDenial(state.segments, range.base.rawValue, range.end, bit) else { return nil }
            return (address, index, state.regions[index].range)
        }) else { return nil }
        let location = place.map { " \($0)" } ?? " (background)"
        let who = master.isSecure ? "secure \(kind)s" : "\(kind)s from nsaid \(master.nsaid)"
        return (PhysicalAddress(address), "region \(index)\(location) does not permit \(who)")
    }

    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        guard range.size > 0 else { return true }
        // Asked about the pages the range meets: every region, so every segment, begins and
        // ends on a 4 KiB boundary, so a range has the answer of those pages, and small
        // transfers at different places in one page share it.
        // (A range running into the top page keeps its end: no segment starts above it.)
        let mask = pageSize - 1
        let (roundedEnd, overflow) = range.end.addingReportingOverflow(mask)
        return memoizedPermits(range.base.rawValue & ~mask, overflow ? range.end : roundedEnd & ~mask, Rights.bitIndex(master, kind))
    }

    /// Where the next segment of the address map begins inside `range`: the firewall answers
    /// alike up to there, so a caller asking where memory is open asks once per region edge,
    /// not per page. Read from the published map without the lock, as a check is.
    public func boundary(in range: PhysicalRange) -> PhysicalAddress? {
        let lo = range.base.rawValue, hi = range.end
        while true {
            let before = sequence.load(ordering: .acquiring)
            guard before & 1 == 0 else {
                sched_yield()
                continue
            }
            let count = min(Int(truncatingIfNeeded: map.loadRelaxed(0) & 0xff), (Self.mapCapacity - 1) / 2)
            var answer: UInt64?
            for index in 0..<count {
                let start = map.loadRelaxed(1 + 2 * index)
                if start > lo {
                    if start < hi { answer = start }
                    break
                }
            }
            atomicMemoryFence(ordering: .acquiring)
            if sequence.load(ordering: .relaxed) == before { return answer.map { PhysicalAddress($0) } }
        }
    }

    /// The lowest address in `[lo, hi)` whose deciding region lacks `bit`, and that region:
    /// the first segment the range meets that refuses it (where the highest-numbered region
    /// covering an address decides, the lowest refused address is where that segment, or the
    /// range, begins).
    @inline(__always)
    private static func firstDenial(_ segments: borrowing [Segment], _ lo: UInt64, _ hi: UInt64, _ bit: UInt64) -> (UInt64, Int)? {
        var index = 0
        let count = segments.count
        while index + 1 < count, segments[index + 1].start <= lo { index += 1 }
        while true {
            let segment = segments[index]
            if segment.rights.bits & bit == 0 { return (max(lo, segment.start), segment.region) }
            index += 1
            if index == count || segments[index].start >= hi { return nil }
        }
    }

    // MARK: Programming (secure world only)

    func update(_ index: Int, _ body: (inout FirewallRegion) -> Void) {
        regions.withLock { state in
            body(&state.regions[index])
            // `permits` answers by whole pages (its memo), `check` byte by byte: the two agree
            // only while every region is on the TZC-400's 4 KiB granule, as the programmer
            // checks before it gets here.
            if let range = state.regions[index].range {
                precondition(range.base.rawValue % 4096 == 0 && range.end % 4096 == 0, "TZC-400 region \(index) bounds \(range) are not 4 KiB aligned")
            }
            state.rebuild()
            publish(state.segments)
        }
    }

    func firstFreeRegion() -> Int? {
        regions.withLock { state in state.regions.indices.dropFirst().first { !state.regions[$0].enabled } }
    }

    public func _checkInvariants() {
        regions.withLock { state in
            let regions = state.regions
            var fresh = state
            fresh.rebuild()
            precondition(fresh.segments.map(\.start) == state.segments.map(\.start) && fresh.segments.map(\.region) == state.segments.map(\.region)
                          && fresh.segments.map(\.rights.bits) == state.segments.map(\.rights.bits), "TZC-400 address map out of date")
            map._checkInvariants()
            memo._checkInvariants()
            precondition(map.count == Self.mapCapacity && memo.count == 4 * Self.memoEntries, "TZC-400 map or memo of the wrong size")
            var published: [(UInt64, UInt64)] = []
            for index in 0..<Int(map.loadRelaxed(0)) {
                published.append((map.loadRelaxed(1 + 2 * index), map.loadRelaxed(2 + 2 * index)))
            }
            precondition(published.map(\.0) == state.segments.map(\.start)
                          && published.map(\.1) == state.segments.map { $0.rights.bits | UInt64($0.region) << 48 }, "TZC-400 published map out of date")
            precondition(regions[0].enabled && regions[0].range == nil, "TZC-400 background region must cover everything")
            for region in regions.dropFirst() where region.enabled {
                precondition(region.range.map { $0.isPageAligned && !$0.isEmpty } == true, "TZC-400 \(region) enabled without a 4 KiB-aligned range")
            }
        }
    }
}
