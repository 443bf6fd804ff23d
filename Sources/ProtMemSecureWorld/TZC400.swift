import ProtMemMemory
import Synchronization

/// A memory firewall in the manner of Arm's TZC-400, sitting in front of DRAM on the bus.
///
/// Anyone may read its configuration and the bus asks it about every transaction, but only
/// the secure world can change it: the programming methods are internal to this module and
/// reached through a ``FirewallProgrammer`` that only ``SecureMonitor`` holds.
///
/// A check walks the enabled regions from the highest number down and splits the request at
/// region edges, so it costs O(regions²) at worst per transaction whatever its length.
public final class TZC400: BusAccessFilter {
    /// Regions including the background region 0; 8 by default as the board has,
    /// up to the TZC-400's 9.
    public let regionCount: Int
    public let filterName = "tzc400"

    private let regions: Mutex<[FirewallRegion]>

    init(regionCount: Int) {
        precondition((1...9).contains(regionCount), "a TZC-400 has 1 to 9 regions")
        self.regionCount = regionCount
        self.regions = Mutex((0..<regionCount).map(FirewallRegion.init(resetIndex:)))
    }

    /// The current configuration, region 0 first.
    public var configuration: [FirewallRegion] { regions.withLock { $0 } }

    public func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)? {
        guard range.size > 0 else { return nil }
        return regions.withLock { regions in
            guard let (address, index) = Self.firstDenial(regions, range.base.rawValue, range.end, top: regions.count - 1, master, kind) else {
                return nil
            }
            let region = regions[index]
            let place = region.range.map { " \($0)" } ?? " (background)"
            let who = master.isSecure ? "secure \(kind)s" : "\(kind)s from nsaid \(master.nsaid)"
            return (PhysicalAddress(address), "region \(index)\(place) does not permit \(who)")
        }
    }

    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        guard range.size > 0 else { return true }
        return regions.withLock { regions in
            Self.firstDenial(regions, range.base.rawValue, range.end, top: regions.count - 1, master, kind) == nil
        }
    }

    /// The lowest refused address in `[lo, hi)` and the region that refused it, looking only
    /// at regions `0...top`.
    private static func firstDenial(_ regions: [FirewallRegion], _ lo: UInt64, _ hi: UInt64, top: Int, _ master: BusMaster, _ kind: AccessKind) -> (UInt64, Int)? {
        var index = top
        while index > 0 {
            let region = regions[index]
            if region.enabled, let r = region.range, r.base.rawValue < hi, lo < r.end { break }
            index -= 1
        }
        guard index > 0, let r = regions[index].range else {
            return regions[0].permits(master, kind) ? nil : (lo, 0)
        }
        let a = max(lo, r.base.rawValue)
        let b = min(hi, r.end)
        if lo < a, let below = firstDenial(regions, lo, a, top: index - 1, master, kind) { return below }
        if !regions[index].permits(master, kind) { return (a, index) }
        if b < hi { return firstDenial(regions, b, hi, top: index - 1, master, kind) }
        return nil
    }

    // MARK: Programming (secure world only)

    func update(_ index: Int, _ body: (inout FirewallRegion) -> Void) {
        regions.withLock { body(&$0[index]) }
    }

    func firstFreeRegion() -> Int? {
        regions.withLock { regions in regions.indices.dropFirst().first { !regions[$0].enabled } }
    }

    public func _checkInvariants() {
        regions.withLock { regions in
            precondition(regions[0].enabled && regions[0].range == nil, "TZC-400 background region must cover everything")
            for region in regions.dropFirst() where region.enabled {
                precondition(region.range.map { $0.isPageAligned && !$0.isEmpty } == true, "TZC-400 \(region) enabled without a 4 KiB-aligned range")
            }
        }
    }
}
