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

    /// The regions, and beside them the window `[lo, hi)` each one decides: what a check walks
    /// for every transaction on the bus, so it reads two words a region instead of the whole
    /// region with its optional range. A disabled region's window is empty and overlaps nothing.
    private struct State {
        var regions: [FirewallRegion]
        var windows: [Window]

        init(_ regions: [FirewallRegion]) {
            self.regions = regions
            self.windows = regions.map(Window.init)
        }
    }

    private struct Window {
        var lo: UInt64
        var hi: UInt64

        init(lo: UInt64, hi: UInt64) { (self.lo, self.hi) = (lo, hi) }

        init(_ region: FirewallRegion) {
            if region.enabled, let range = region.range {
                (lo, hi) = (range.base.rawValue, range.end)
            } else {
                (lo, hi) = (0, 0)
            }
        }
    }

    private let regions: Mutex<State>

    init(regionCount: Int) {
        precondition((1...9).contains(regionCount), "a TZC-400 has 1 to 9 regions")
        self.regionCount = regionCount
        self.regions = Mutex(State((0..<regionCount).map(FirewallRegion.init(resetIndex:))))
    }

    /// The current configuration, region 0 first.
    public var configuration: [FirewallRegion] { regions.withLock { $0.regions } }

    public func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)? {
        guard range.size > 0 else { return nil }
        return regions.withLock { state in
            guard let (address, index) = Self.firstDenial(state, range.base.rawValue, range.end, top: state.regions.count - 1, master, kind) else {
                return nil
            }
            let region = state.regions[index]
            let place = region.range.map { " \($0)" } ?? " (background)"
            let who = master.isSecure ? "secure \(kind)s" : "\(kind)s from nsaid \(master.nsaid)"
            return (PhysicalAddress(address), "region \(index)\(place) does not permit \(who)")
        }
    }

    public func permits(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> Bool {
        guard range.size > 0 else { return true }
        return regions.withLock { state in
            Self.firstDenial(state, range.base.rawValue, range.end, top: state.regions.count - 1, master, kind) == nil
        }
    }

    /// The lowest refused address in `[lo, hi)` and the region that refused it, looking only
    /// at regions `0...top`.
    private static func firstDenial(_ state: State, _ lo: UInt64, _ hi: UInt64, top: Int, _ master: BusMaster, _ kind: AccessKind) -> (UInt64, Int)? {
        var index = top
        var window = Window(lo: 0, hi: 0)
        while index > 0 {
            window = state.windows[index]
            if window.lo < hi, lo < window.hi { break }
            index -= 1
        }
        guard index > 0 else {
            return state.regions[0].permits(master, kind) ? nil : (lo, 0)
        }
        let a = max(lo, window.lo)
        let b = min(hi, window.hi)
        if lo < a, let below = firstDenial(state, lo, a, top: index - 1, master, kind) { return below }
        if !state.regions[index].permits(master, kind) { return (a, index) }
        if b < hi { return firstDenial(state, b, hi, top: index - 1, master, kind) }
        return nil
    }

    // MARK: Programming (secure world only)

    func update(_ index: Int, _ body: (inout FirewallRegion) -> Void) {
        regions.withLock { state in
            body(&state.regions[index])
            state.windows[index] = Window(state.regions[index])
        }
    }

    func firstFreeRegion() -> Int? {
        regions.withLock { state in state.regions.indices.dropFirst().first { !state.regions[$0].enabled } }
    }

    public func _checkInvariants() {
        regions.withLock { state in
            let regions = state.regions
            for (index, region) in regions.enumerated() {
                let window = Window(region)
                precondition(state.windows[index].lo == window.lo && state.windows[index].hi == window.hi, "TZC-400 window of region \(index) out of date")
            }
            precondition(regions[0].enabled && regions[0].range == nil, "TZC-400 background region must cover everything")
            for region in regions.dropFirst() where region.enabled {
                precondition(region.range.map { $0.isPageAligned && !$0.isEmpty } == true, "TZC-400 \(region) enabled without a 4 KiB-aligned range")
            }
        }
    }
}
