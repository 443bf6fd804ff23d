@_spi(SecureWorld) import ProtMemMemory
@_spi(SecureWorld) import ProtMemSecureWorld
import Synchronization
import Testing

/// `Bus.firstPermitted` finds where any part of a range is open, asking each filter once per
/// stretch its answer is uniform on, not once per page.
@Suite struct OpenStretchTests {
    /// A filter that refuses every non-secure master on `closed` and counts its questions;
    /// with `edges` it says where its answer changes, without them the protocol's default
    /// (every page) does.
    final class Wall: BusAccessFilter, Sendable {
        let filterName = "wall"
        let closed: PhysicalRange
        let edges: Bool
        let questions = Atomic<Int>(0)

        init(_ closed: PhysicalRange, edges: Bool) {
            self.closed = closed
            self.edges = edges
        }

        func check(_ master: BusMaster, _ range: PhysicalRange, _ kind: AccessKind) -> (address: PhysicalAddress, reason: String)? {
            questions.add(1, ordering: .relaxed)
            guard !master.isSecure, range.overlaps(closed) else { return nil }
            return (PhysicalAddress(max(range.base.rawValue, closed.base.rawValue)), "walled")
        }

        func boundary(in range: PhysicalRange) -> PhysicalAddress? {
            guard edges else { return defaultBoundary(in: range) }
            return [closed.base.rawValue, closed.end].first { $0 > range.base.rawValue && $0 < range.end }.map { PhysicalAddress($0) }
        }

        /// What the protocol's default answers.
        private func defaultBoundary(in range: PhysicalRange) -> PhysicalAddress? {
            let next = (range.base.rawValue | (pageSize - 1)) + 1
            return next < range.end ? PhysicalAddress(next) : nil
        }
    }

    let memory: PhysicalMemory
    let bus: Bus
    let monitor: SecureMonitor
    /// 32 MiB protected by the firewall, as a large protected frame is.
    let frame = PhysicalRange(checkedBase: 0x100_0000, size: 32 << 20)

    init() throws {
        memory = try PhysicalMemory(ranges: [PhysicalRange(checkedBase: 0, size: 64 << 20), PhysicalRange(checkedBase: 0x1_0000_0000, size: 1 << 20)])
        bus = Bus(memory: memory)
        monitor = SecureMonitor(bus: bus)
        try monitor.protect(frame, readers: [.display], writers: [.codec], owner: "test", reason: "a frame")
    }

    @Test func aProtectedRangeHasNoOpenStretchAndOneOpenedPageIsFound() throws {
        #expect(bus.firstPermitted(.cpuNonSecure, frame, .read) == nil)
        #expect(bus.firstPermitted(.display, frame, .read) == frame)
        #expect(bus.firstPermitted(.display, frame, .write) == nil)
        let page = PhysicalRange(checkedBase: frame.base.rawValue + 4000 * pageSize, size: pageSize)
        let window = try monitor.protect(page, readers: [.cpuNonSecure], writers: [], owner: "test", reason: "one page opened")
        #expect(bus.firstPermitted(.cpuNonSecure, frame, .read) == page)
        #expect(bus.firstPermitted(.cpuNonSecure, frame, .write) == nil)
        // From inside the opened page, and past it.
        let tail = PhysicalRange(checkedBase: page.base.rawValue + 100, size: frame.end - page.base.rawValue - 100)
        #expect(bus.firstPermitted(.cpuNonSecure, tail, .read) == PhysicalRange(checkedBase: tail.base.rawValue, size: pageSize - 100))
        #expect(bus.firstPermitted(.cpuNonSecure, PhysicalRange(checkedBase: page.end, size: frame.end - page.end), .read) == nil)
        #expect(monitor.unprotect(window))
        #expect(bus.firstPermitted(.cpuNonSecure, frame, .read) == nil)
    }

    @Test func theOpenStretchRunsAcrossFiltersAndStopsAtDRAMsEnd() throws {
        // Open from the frame's end up to the end of the first bank; nothing beyond it decodes.
        let across = PhysicalRange(checkedBase: frame.base.rawValue, size: 0x1_0000_0000 + 4096 - frame.base.rawValue)
        let open = try #require(bus.firstPermitted(.cpuNonSecure, across, .read))
        #expect(open == PhysicalRange(checkedBase: frame.end, size: (64 << 20) - frame.end))
        #expect(bus.firstPermitted(.cpuNonSecure, PhysicalRange(checkedBase: 64 << 20, size: 4096), .read) == nil)
        #expect(bus.firstPermitted(.cpuNonSecure, PhysicalRange(checkedBase: 0x1_0000_0000, size: 4096), .read) == PhysicalRange(checkedBase: 0x1_0000_0000, size: 4096))
        // A second filter walls off part of what the firewall leaves open.
        let walled = PhysicalRange(checkedBase: 0, size: 8 * pageSize)
        bus.install(Wall(walled, edges: true))
        #expect(bus.firstPermitted(.cpuNonSecure, PhysicalRange(checkedBase: 0, size: 16 * pageSize), .read) == PhysicalRange(checkedBase: walled.end, size: 8 * pageSize))
        #expect(bus.firstPermitted(.cpuNonSecure, PhysicalRange(checkedBase: 0, size: 0), .read) == nil)
    }

    /// A filter that knows its edges is asked once per stretch; one that does not, once a page.
    @Test func questionsFollowBoundariesNotBytes() throws {
        let closed = PhysicalRange(checkedBase: frame.end, size: 16 << 20)
        let knowing = Wall(closed, edges: true)
        bus.install(knowing)
        #expect(bus.firstPermitted(.cpuNonSecure, closed, .read) == nil)
        #expect(knowing.questions.load(ordering: .relaxed) <= 2)
        let paged = Wall(PhysicalRange(checkedBase: 0, size: 64 * pageSize), edges: false)
        bus.install(paged)
        #expect(bus.firstPermitted(.cpuNonSecure, PhysicalRange(checkedBase: 0, size: 64 * pageSize), .read) == nil)
        #expect(paged.questions.load(ordering: .relaxed) == 64)
    }

    /// The TZC-400 says where its answer changes: where a region begins or ends.
    @Test func firewallBoundariesAreRegionEdges() throws {
        #expect(monitor.firewall.boundary(in: PhysicalRange(checkedBase: 0, size: 64 << 20)) == frame.base)
        #expect(monitor.firewall.boundary(in: PhysicalRange(checkedBase: frame.base.rawValue, size: 64 << 20)) == PhysicalAddress(frame.end))
        #expect(monitor.firewall.boundary(in: PhysicalRange(checkedBase: frame.base.rawValue + 4096, size: 4096)) == nil)
    }
}
