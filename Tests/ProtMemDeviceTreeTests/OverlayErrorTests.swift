import Foundation
import ProtMemDeviceTree
import ProtMemTestSupport
import Testing

/// Overlays libfdt refuses: this module must refuse them too, with a reason
/// naming the fragment or property, and with the `FDT_ERR_*` code that
/// `fdtoverlay` prints for the same files. The base is never changed.
@Suite("Overlay errors match fdtoverlay", .enabled(if: OverlayTools.isAvailable(), "dtc/fdtoverlay not installed"))
struct OverlayErrorTests {
    typealias Reason = DeviceTreeOverlayError.Reason

    struct Case: CustomTestStringConvertible, Sendable {
        var fixture: String
        var reason: Reason
        var testDescription: String { fixture }
    }

    static let cases: [Case] = [
        Case(fixture: "no-target", reason: .fragmentWithoutTarget(fragment: "fragment@0")),
        Case(fixture: "target-length", reason: .malformedTarget(fragment: "fragment@0", length: 8)),
        Case(fixture: "target-unresolved", reason: .unresolvedTarget(fragment: "fragment@0")),
        Case(fixture: "target-phandle-missing", reason: .targetPhandleNotFound(fragment: "fragment@0", phandle: 0x999)),
        Case(fixture: "target-path-missing", reason: .targetPathUnresolved(
            fragment: "fragment@1", path: "/soc/nope/deeper", failure: .noSuchNode("/soc/nope"))),
        Case(fixture: "target-alias-missing", reason: .targetPathUnresolved(
            fragment: "fragment@0", path: "nosuchalias/child", failure: .noSuchAlias("nosuchalias"))),
        Case(fixture: "phandle-length", reason: .malformedPhandle(
            node: "/fragment@0/__overlay__/node", property: "phandle", length: 2)),
        Case(fixture: "phandle-overflow", reason: .phandleOverflow(
            node: "/fragment@0/__overlay__/node", property: "phandle", phandle: 0xffff_fffe, delta: 0x40)),
        Case(fixture: "local-fixup-offset", reason: .localFixupOffsetOutOfRange(
            node: "/fragment@0/__overlay__", property: "ref", offset: 8, length: 4)),
        Case(fixture: "local-fixup-length", reason: .localFixupNotCells(
            fixupNode: "/__local_fixups__/fragment@0/__overlay__", property: "ref", length: 3)),
        Case(fixture: "local-fixup-node-missing", reason: .localFixupNodeMissing(
            fixupNode: "/__local_fixups__/fragment@0/__overlay__/missing", node: "/fragment@0/__overlay__/missing")),
        Case(fixture: "local-fixup-property-missing", reason: .localFixupPropertyMissing(
            node: "/fragment@0/__overlay__", property: "other")),
        Case(fixture: "unknown-label", reason: .unknownLabel(label: "nosuchlabel")),
        Case(fixture: "label-without-phandle", reason: .labelNodeWithoutPhandle(label: "nophandle", path: "/soc/plain")),
        Case(fixture: "label-dangling", reason: .labelPathUnresolved(
            label: "dangling", path: "/soc/gone", failure: .noSuchNode("/soc/gone"))),
        Case(fixture: "fixup-node-missing", reason: .fixupNodeMissing(
            label: "gpu", path: "/fragment@0/__overlay__/missing", failure: .noSuchNode("/fragment@0/__overlay__/missing"))),
        Case(fixture: "fixup-property-missing", reason: .fixupPropertyMissing(
            label: "gpu", node: "/fragment@0/__overlay__", property: "other")),
        Case(fixture: "fixup-offset-range", reason: .fixupOffsetOutOfRange(
            label: "gpu", node: "/fragment@0/__overlay__", property: "ref", offset: 6, length: 8)),
        Case(fixture: "symbol-not-string", reason: .malformedSymbol(label: "bad", problem: .notAString)),
        Case(fixture: "symbol-relative", reason: .malformedSymbol(
            label: "bad", problem: .notAbsolute("fragment@0/__overlay__"))),
        Case(fixture: "symbol-fragment-missing", reason: .symbolFragmentMissing(label: "bad", fragment: "fragment@9")),
        Case(fixture: "symbol-fragment-without-overlay", reason: .symbolFragmentWithoutOverlay(
            label: "bad", fragment: "helper")),
    ]

    @Test("refused with the reason and libfdt code fdtoverlay gives", arguments: cases)
    func fixture(_ testCase: Case) throws {
        let overlay = try OverlayTools.compile("Errors/\(testCase.fixture).dtso", force: true)
        try expectRefusal(base: OverlayTools.compile("base.dts"), overlays: [overlay], reason: testCase.reason)
    }

    /// `__fixups__` entries that are not `path:property:offset`.
    @Test("malformed __fixups__ entries", arguments: [
        ("\"garbage\"", DeviceTreeOverlayError.FixupProblem.missingPathSeparator),
        ("\"/fragment@0/__overlay__:\"", .missingProperty),
        ("\"/fragment@0/__overlay__:ref\"", .missingOffsetSeparator),
        ("\"/fragment@0/__overlay__::0\"", .emptyPropertyName),
        ("\"/fragment@0/__overlay__:ref:4a\"", .malformedOffset),
        ("\"/fragment@0/__overlay__:ref:\"", .malformedOffset),
        ("\"/fragment@0/__overlay__:ref:-\"", .malformedOffset),
        ("[2f 61 3a 62 3a 30]", .notTerminated),
        // A good entry first: it is resolved before the bad one is reached.
        ("\"/fragment@0/__overlay__:ref:0\", [2f 78]", .notTerminated),
    ])
    func malformedFixup(_ value: String, _ problem: DeviceTreeOverlayError.FixupProblem) throws {
        let overlay = try OverlayTools.compile(source: """
            /dts-v1/;
            / {
                fragment@0 { target-path = "/soc"; __overlay__ { ref = <0xffffffff>; }; };
                __fixups__ { gpu = \(value); };
            };
            """)
        let tree = try FlattenedDeviceTree.parse(overlay)
        let fixups = try #require(tree.node(atPath: "/__fixups__")?.property(named: "gpu")?.value)
        // The reported entry is the text of the first malformed one.
        let entries = fixups.split(separator: 0, omittingEmptySubsequences: false)
        let bad = problem == .notTerminated && fixups.last != 0 ? entries.last! : entries.first!
        try expectRefusal(
            base: OverlayTools.compile("base.dts"), overlays: [overlay],
            reason: .malformedFixup(label: "gpu", entry: String(decoding: bad, as: UTF8.self), problem: problem))
    }

    @Test("label references need a base compiled with -@")
    func baseWithoutSymbols() throws {
        // base.dts carries hand-written __symbols__; drop them for a base with none.
        var tree = try FlattenedDeviceTree.parse(OverlayTools.compile("base.dts", symbols: false))
        tree.root.children.removeAll { $0.name == "__symbols__" }
        let overlay = try OverlayTools.compile("fixups.dtso")
        let firstLabel = try #require(FlattenedDeviceTree.parse(overlay).node(atPath: "/__fixups__")?.properties.first?.name)
        try expectRefusal(
            base: FlattenedDeviceTree.serialize(tree), overlays: [overlay], reason: .baseWithoutSymbols(label: firstLabel))
    }

    @Test("the real rock-5b blob has no __symbols__", .enabled(if: SharedData.deviceTreesAvailable(), "../shared/data absent"))
    func rock5bWithoutSymbols() throws {
        let url = try #require(SharedData.dtb(named: "rk3588-rock-5b.dtb"))
        let overlay = try OverlayTools.compile("fixups.dtso")
        let firstLabel = try #require(FlattenedDeviceTree.parse(overlay).node(atPath: "/__fixups__")?.properties.first?.name)
        try expectRefusal(
            base: SharedData.bytes(of: url), overlays: [overlay], reason: .baseWithoutSymbols(label: firstLabel))
    }

    @Test("a failing second overlay is reported as overlay 1")
    func failureInSequence() throws {
        let overlays = try [OverlayTools.compile("fixups.dtso"), OverlayTools.compile("Errors/unknown-label.dtso")]
        try expectRefusal(
            base: OverlayTools.compile("base.dts"), overlays: overlays, reason: .unknownLabel(label: "nosuchlabel"),
            overlayIndex: 1)
    }

    /// Applies with this module and with fdtoverlay; both must refuse, for
    /// the same libfdt reason, and the base must be unchanged.
    private func expectRefusal(
        base: [UInt8], overlays: [[UInt8]], reason: Reason, overlayIndex: Int = 0,
        sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let tree = try FlattenedDeviceTree.parse(base)
        let overlayTrees = try overlays.map(FlattenedDeviceTree.parse)
        let before = tree
        #expect(throws: DeviceTreeOverlayError(overlayIndex: overlayIndex, reason: reason), sourceLocation: sourceLocation) {
            try tree.applying(overlays: overlayTrees)
        }
        #expect(tree == before, sourceLocation: sourceLocation)

        switch try OverlayTools.fdtoverlay(base: base, overlays: overlays) {
        case .applied:
            Issue.record("fdtoverlay applied an overlay this module refuses (\(reason))", sourceLocation: sourceLocation)
        case .failed(let errorName, let message):
            #expect(errorName == reason.code.name, "fdtoverlay said: \(message)", sourceLocation: sourceLocation)
        }
    }
}
