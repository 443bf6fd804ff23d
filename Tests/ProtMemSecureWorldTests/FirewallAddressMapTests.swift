@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import Testing

/// The TZC-400 judges a transaction from an address map it rebuilds whenever a region is
/// programmed. Whatever the regions (overlapping, nested, back to back, lifted again), its
/// answer must be the TZC-400's: at every address the highest-numbered enabled region that
/// covers it decides, and a refusal names the lowest refused address and that region.
@Suite struct FirewallAddressMapTests {
    static let dram = PhysicalRange(checkedBase: 0x8000_0000, size: 0x100_0000)
    static let masters = BusMaster.standard

    /// The region deciding at `address`, from the configuration alone.
    static func decider(_ regions: [FirewallRegion], _ address: UInt64) -> FirewallRegion {
        for region in regions.reversed() where region.index > 0 && region.enabled {
            if let range = region.range, range.base.rawValue <= address, address < range.end { return region }
        }
        return regions[0]
    }

    static func allows(_ region: FirewallRegion, _ master: BusMaster, _ kind: AccessKind) -> Bool {
        if master.isSecure { return kind == .read ? region.secureRead : region.secureWrite }
        return (kind == .read ? region.nonSecureRead : region.nonSecureWrite).contains(nsaid: master.nsaid)
    }

    /// The lowest refused address of `range` and the region refusing it, by brute force over
    /// the addresses where the decision can change: the range's start and every region edge.
    static func expected(_ regions: [FirewallRegion], _ range: PhysicalRange, _ master: BusMaster, _ kind: AccessKind) -> (UInt64, Int)? {
        var candidates: Set<UInt64> = [range.base.rawValue]
        for region in regions where region.enabled {
            guard let edges = region.range else { continue }
            for edge in [edges.base.rawValue, edges.end] where edge > range.base.rawValue && edge < range.end { candidates.insert(edge) }
        }
        for address in candidates.sorted() {
            let region = decider(regions, address)
            if !allows(region, master, kind) { return (address, region.index) }
        }
        return nil
    }

    @Test func answersAsTheRegionsDecideWhateverTheirLayout() throws {
        let bus = Bus(memory: try PhysicalMemory(ranges: [Self.dram]))
        let monitor = SecureMonitor(bus: bus, firewallRegions: 9)
        var random = UInt64(0x2545_f491_4f6c_dd1d)
        func next(_ bound: UInt64) -> UInt64 {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (random >> 33) % bound
        }
        let pages = Self.dram.size / pageSize
        var live: [ProtectionRecord] = []
        var checked = 0
        for round in 0..<60 {
            // Program or lift a region: nested, overlapping and adjacent ranges all occur.
            if live.count == 8 || (!live.isEmpty && next(3) == 0) {
                let record = live.remove(at: Int(next(UInt64(live.count))))
                #expect(monitor.unprotect(record))
            } else {
                let first = next(pages - 1), count = 1 + next(min(64, pages - first))
                let range = PhysicalRange(checkedBase: Self.dram.base.rawValue + first * pageSize, size: count * pageSize)
                let readers = Self.masters.filter { _ in next(2) == 0 }, writers = Self.masters.filter { _ in next(3) == 0 }
                live.append(try monitor.protect(range, readers: readers, writers: writers, owner: "test", reason: "round \(round)"))
            }
            let regions = monitor.firewall.configuration
            for _ in 0..<200 {
                let lo = Self.dram.base.rawValue + next(Self.dram.size - 1)
                let size = 1 + next(min(Self.dram.end - lo, next(2) == 0 ? 64 : 0x20_0000))
                let range = PhysicalRange(checkedBase: lo, size: size)
                let master = Self.masters[Int(next(UInt64(Self.masters.count)))]
                let kind: AccessKind = next(2) == 0 ? .read : .write
                let answer = monitor.firewall.check(master, range, kind)
                let reference = Self.expected(regions, range, master, kind)
                #expect(answer?.address.rawValue == reference?.0, "\(master) \(kind) \(range)")
                if let reference, let answer {
                    #expect(answer.reason.hasPrefix("region \(reference.1) "), "\(answer.reason)")
                }
                #expect(monitor.firewall.permits(master, range, kind) == (reference == nil))
                checked += 1
            }
            monitor.firewall._checkInvariants()
        }
        #expect(checked == 12_000)
    }
}

/// Checks read the address map without a lock while the secure world reprograms it: a
/// check racing a reprogramming must still answer from one whole map, never a torn mix.
@Suite struct FirewallConcurrentCheckTests {
    @Test func checksRacingReprogrammingNeverSeeATornMap() async throws {
        let dram = PhysicalRange(checkedBase: 0x8000_0000, size: 0x100_0000)
        let bus = Bus(memory: try PhysicalMemory(ranges: [dram]))
        let monitor = SecureMonitor(bus: bus, firewallRegions: 9)
        let fixed = PhysicalRange(checkedBase: 0x8080_0000, size: 0x1_0000)
        let open = PhysicalRange(checkedBase: 0x80c0_0000, size: 0x1_0000)
        try monitor.protect(fixed, readers: [], writers: [], owner: "test", reason: "fixed")
        let firewall = monitor.firewall
        let rounds = 2_000
        let wrong = await withTaskGroup(of: Int.self) { group in
            group.addTask {
                // Regions come and go below, between and above the two ranges checked, so
                // every reprogramming moves the segments they fall in.
                for round in 0..<rounds {
                    let base: UInt64 = [0x8010_0000, 0x80a0_0000, 0x80e0_0000][round % 3]
                    if let record = try? monitor.protect(PhysicalRange(checkedBase: base, size: 0x2_0000), readers: [], writers: [], owner: "test", reason: "churn") {
                        monitor.unprotect(record)
                    }
                }
                return 0
            }
            for _ in 0..<2 {
                group.addTask {
                    var wrong = 0
                    for _ in 0..<(rounds * 20) {
                        if firewall.permits(.cpuNonSecure, fixed, .read) { wrong += 1 }
                        if !firewall.permits(.cpuNonSecure, open, .write) { wrong += 1 }
                        if firewall.check(.codec, fixed, .write)?.reason.hasPrefix("region 1 ") != true { wrong += 1 }
                    }
                    return wrong
                }
            }
            return await group.reduce(0, +)
        }
        #expect(wrong == 0)
        firewall._checkInvariants()
    }
}
