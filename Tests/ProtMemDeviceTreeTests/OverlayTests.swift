import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

/// Overlays applied by this module against the same overlays applied by
/// `fdtoverlay`, compared through `dtc -I dtb -O dts` text: node and
/// property order, phandle numbering and symbols must all agree.
@Suite("Overlays match fdtoverlay", .enabled(if: OverlayTools.isAvailable(), "dtc/fdtoverlay not installed"))
struct OverlayTests {
    enum Base: String, CustomStringConvertible {
        /// base.dts compiled with -@ (has __symbols__).
        case fixture
        /// base.dts compiled without -@ (only its hand-written symbols).
        case fixtureWithoutLabels
        /// The real rk3588-rock-5b.dtb (no __symbols__).
        case rock5b

        var description: String { rawValue }

        func blob() throws -> [UInt8]? {
            switch self {
            case .fixture: return try OverlayTools.compile("base.dts")
            case .fixtureWithoutLabels: return try OverlayTools.compile("base.dts", symbols: false)
            case .rock5b:
                guard SharedData.deviceTreesAvailable(), let url = SharedData.dtb(named: "rk3588-rock-5b.dtb") else { return nil }
                return try SharedData.bytes(of: url)
            }
        }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var base: Base
        var overlays: [String]
        var testDescription: String { "\(base) + \(overlays.joined(separator: " + "))" }
    }

    static let cases: [Case] = [
        // __fixups__, __local_fixups__, new, replaced and merged nodes and properties.
        Case(base: .fixture, overlays: ["fixups.dtso"]),
        // The second resolves labels only the first one's symbols define.
        Case(base: .fixture, overlays: ["fixups.dtso", "second.dtso"]),
        // target-path (literal, alias, trailing slash, root) and raw target phandles.
        Case(base: .fixture, overlays: ["symbols.dtso"]),
        Case(base: .fixtureWithoutLabels, overlays: ["symbols.dtso"]),
        Case(base: .fixture, overlays: ["symbols.dtso", "fixups.dtso", "second.dtso"]),
        // An overlay phandle on an existing node replaces the base's (libfdt 1.6.1).
        Case(base: .fixture, overlays: ["relabel.dtso"]),
        // The real board: creates __symbols__, which the second overlay then uses.
        Case(base: .rock5b, overlays: ["rock5b-protected.dtso"]),
        Case(base: .rock5b, overlays: ["rock5b-protected.dtso", "rock5b-second.dtso"]),
    ]

    @Test("result equals fdtoverlay's", arguments: cases.filter { $0.base != .rock5b })
    func matchesFdtoverlay(_ testCase: Case) throws {
        try expectMatch(testCase)
    }

    @Test("result equals fdtoverlay's on the real board", .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"),
          arguments: cases.filter { $0.base == .rock5b })
    func matchesFdtoverlayOnTheRealBoard(_ testCase: Case) throws {
        try expectMatch(testCase)
    }

    func expectMatch(_ testCase: Case) throws {
        let base = try #require(try testCase.base.blob())
        let overlays = try testCase.overlays.map { try OverlayTools.compile($0) }

        let baseTree = try FlattenedDeviceTree.parse(base)
        let result = try baseTree.applying(overlays: overlays.map(FlattenedDeviceTree.parse))

        guard case .applied(let expected) = try OverlayTools.fdtoverlay(base: base, overlays: overlays) else {
            Issue.record("fdtoverlay refused \(testCase.testDescription)")
            return
        }
        let expectedText = try OverlayTools.text(of: expected)
        #expect(try OverlayTools.text(of: result) == expectedText)
        // The result survives this module's own writer and parser unchanged.
        #expect(try FlattenedDeviceTree.parse(FlattenedDeviceTree.serialize(result)) == result)
        // Applying never touches the base.
        #expect(try FlattenedDeviceTree.parse(base) == baseTree)
    }

    @Test("fixup offsets as strtoul reads them match fdtoverlay", arguments: [" +4", "-0", "\\t4", "04"])
    func strtoulOffsets(_ offset: String) throws {
        let base = try OverlayTools.compile("base.dts")
        let overlay = try OverlayTools.compile(source: """
            /dts-v1/;
            / {
                fragment@0 { target-path = "/soc"; __overlay__ { ref = <0xffffffff 0xffffffff>; }; };
                __fixups__ { gpu = "/fragment@0/__overlay__:ref:0", "/fragment@0/__overlay__:ref:\(offset)"; };
            };
            """)
        let result = try FlattenedDeviceTree.parse(base).applying(overlay: FlattenedDeviceTree.parse(overlay))
        guard case .applied(let expected) = try OverlayTools.fdtoverlay(base: base, overlays: [overlay]) else {
            Issue.record("fdtoverlay refused offset \(offset)")
            return
        }
        #expect(try OverlayTools.text(of: result) == OverlayTools.text(of: expected))
    }

    @Test("rock-5b: overlay phandles start past the base's largest, __symbols__ is created first",
          .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
    func rock5bNumbering() throws {
        let base = try #require(try Base.rock5b.blob())
        let tree = try FlattenedDeviceTree.parse(base)
        let overlay = try FlattenedDeviceTree.parse(OverlayTools.compile("rock5b-protected.dtso"))
        let result = try tree.applying(overlay: overlay)

        var largest: UInt32 = 0
        tree.root.walk { _, node in
            largest = max(largest, node.phandle ?? 0)
            return true
        }
        #expect(largest == 0x10f)
        // The overlay's only phandle, 1, lands just past the base's largest.
        let region = try #require(result.node(atPath: "/reserved-memory/protected@f0000000"))
        #expect(region.phandle == largest + 1)
        let gpu = try #require(result.node(atPath: "/gpu@fb000000"))
        #expect(try gpu.property(named: "memory-region")?.u32() == largest + 1)
        #expect(gpu.phandle == 0xd7)
        #expect(result.root.children.first?.name == "__symbols__")
        #expect(try result.root.children.first?.property(named: "protected")?.string()
            == "/reserved-memory/protected@f0000000")
        #expect(try result.root.property(named: "model")?.string() == "Radxa ROCK 5B (ProtMem overlay test)")
        // New root child "protmem" goes in front of the existing children, behind __symbols__.
        #expect(result.root.children.dropFirst().first?.name == "protmem")
    }
}
