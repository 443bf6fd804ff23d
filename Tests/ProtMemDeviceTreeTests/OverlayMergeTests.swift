import ProtMemDeviceTree
import Testing

/// libfdt's merge rules on hand-built trees, without the reference tools:
/// the facts the fdtoverlay comparisons rest on, stated directly.
@Suite("Overlay merge rules")
struct OverlayMergeTests {
    let base = DeviceTree(root: DeviceTreeNode(name: "", children: [
        DeviceTreeNode(name: "bus", properties: [
            DeviceTreeProperty(name: "a", cells: [1]),
            DeviceTreeProperty(name: "b", string: "old"),
            DeviceTreeProperty(name: "phandle", cells: [7]),
        ], children: [
            DeviceTreeNode(name: "dev@0"),
            DeviceTreeNode(name: "other"),
        ]),
    ]))

    private func overlay(target: DeviceTreeProperty, contents: DeviceTreeNode, extra: [DeviceTreeNode] = []) -> DeviceTree {
        DeviceTree(root: DeviceTreeNode(name: "", children: [
            DeviceTreeNode(name: "fragment@0", properties: [target], children: [contents]),
        ] + extra))
    }

    @Test("new properties and nodes go in front, in reverse; existing ones stay in place")
    func order() throws {
        let contents = DeviceTreeNode(name: "__overlay__", properties: [
            DeviceTreeProperty(name: "b", string: "new"),
            DeviceTreeProperty(name: "c", cells: [3]),
            DeviceTreeProperty(name: "d", cells: [4]),
        ], children: [DeviceTreeNode(name: "x"), DeviceTreeNode(name: "y")])
        let result = try base.applying(overlay: overlay(
            target: DeviceTreeProperty(name: "target-path", string: "/bus"), contents: contents))
        let bus = try #require(result.node(atPath: "/bus"))
        #expect(bus.properties.map(\.name) == ["d", "c", "a", "b", "phandle"])
        #expect(try bus.property(named: "b")?.string() == "new")
        #expect(bus.children.map(\.name) == ["y", "x", "dev@0", "other"])
    }

    @Test("a name without unit address merges into the first node with that base name")
    func unitAddressMatch() throws {
        let contents = DeviceTreeNode(name: "__overlay__", children: [
            DeviceTreeNode(name: "dev", properties: [DeviceTreeProperty(name: "merged")]),
        ])
        let result = try base.applying(overlay: overlay(
            target: DeviceTreeProperty(name: "target", cells: [7]), contents: contents))
        #expect(result.node(atPath: "/bus")?.children.map(\.name) == ["dev@0", "other"])
        #expect(result.node(atPath: "/bus/dev@0")?.property(named: "merged") != nil)
    }

    @Test("overlay phandles move past the base's largest, with their references")
    func renumbering() throws {
        let contents = DeviceTreeNode(name: "__overlay__", children: [
            DeviceTreeNode(name: "n", properties: [
                DeviceTreeProperty(name: "phandle", cells: [1]),
                DeviceTreeProperty(name: "self", cells: [9, 1]),
            ]),
        ])
        let localFixups = DeviceTreeNode(name: "__local_fixups__", children: [
            DeviceTreeNode(name: "fragment@0", children: [
                DeviceTreeNode(name: "__overlay__", children: [
                    DeviceTreeNode(name: "n", properties: [DeviceTreeProperty(name: "self", cells: [4])]),
                ]),
            ]),
        ])
        let result = try base.applying(overlay: overlay(
            target: DeviceTreeProperty(name: "target-path", string: "/bus"), contents: contents, extra: [localFixups]))
        let node = try #require(result.node(atPath: "/bus/n"))
        #expect(node.phandle == 8)
        #expect(try node.property(named: "self")?.cells() == [9, 8])
    }

    @Test("the base is unchanged and no partial result escapes when a later fragment fails")
    func noPartialState() throws {
        var bad = overlay(
            target: DeviceTreeProperty(name: "target-path", string: "/bus"),
            contents: DeviceTreeNode(name: "__overlay__", properties: [DeviceTreeProperty(name: "z")]))
        bad.root.children.append(DeviceTreeNode(name: "fragment@1", children: [DeviceTreeNode(name: "__overlay__")]))
        let original = base
        #expect(throws: DeviceTreeOverlayError(overlayIndex: 0, reason: .fragmentWithoutTarget(fragment: "fragment@1"))) {
            try base.applying(overlay: bad)
        }
        #expect(base == original)
        #expect(DeviceTreeOverlayError.Reason.fragmentWithoutTarget(fragment: "fragment@1").code.name == "FDT_ERR_BADOVERLAY")
    }
}
