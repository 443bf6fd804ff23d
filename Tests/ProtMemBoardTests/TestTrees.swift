import ProtMemBoard
import ProtMemDeviceTree
import Testing

/// Terse device tree construction, so each test shows the nodes it is about.
enum TestTree {
    static func node(_ name: String, _ properties: [DeviceTreeProperty] = [], _ children: [DeviceTreeNode] = []) -> DeviceTreeNode {
        DeviceTreeNode(name: name, properties: properties, children: children)
    }

    static func cells(_ name: String, _ values: UInt32...) -> DeviceTreeProperty {
        DeviceTreeProperty(name: name, cells: values)
    }

    static func strings(_ name: String, _ values: String...) -> DeviceTreeProperty {
        DeviceTreeProperty(name: name, strings: values)
    }

    static func flag(_ name: String) -> DeviceTreeProperty {
        DeviceTreeProperty(name: name)
    }

    /// `reg` (or any address/size property) in 2+2 cells per entry.
    static func reg(_ entries: (UInt64, UInt64)..., name: String = "reg") -> DeviceTreeProperty {
        DeviceTreeProperty(name: name, cells: entries.flatMap { [UInt32($0.0 >> 32), UInt32($0.0 & 0xffff_ffff), UInt32($0.1 >> 32), UInt32($0.1 & 0xffff_ffff)] })
    }

    static func u64(_ name: String, _ value: UInt64) -> DeviceTreeProperty {
        DeviceTreeProperty(name: name, cells: [UInt32(value >> 32), UInt32(value & 0xffff_ffff)])
    }

    static func memory(_ base: UInt64, _ size: UInt64) -> DeviceTreeNode {
        node("memory@\(String(base, radix: 16))", [strings("device_type", "memory"), reg((base, size))])
    }

    static func reservedMemory(_ children: [DeviceTreeNode]) -> DeviceTreeNode {
        node("reserved-memory", [cells("#address-cells", 2), cells("#size-cells", 2), flag("ranges")], children)
    }

    static func optee(_ properties: [DeviceTreeProperty] = []) -> DeviceTreeNode {
        node("firmware", [], [node("optee", [strings("compatible", "linaro,optee-tz"), strings("method", "smc")] + properties)])
    }

    static func gpu(_ properties: [DeviceTreeProperty] = []) -> DeviceTreeNode {
        node("gpu@fb000000", [strings("compatible", "rockchip,rk3588-mali", "arm,mali-valhall-csf"),
                              reg((0xfb00_0000, 0x20_0000))] + properties)
    }

    /// A 2/2-cell board with 2 GiB at 0x4000_0000 unless told otherwise.
    static func board(memory: [DeviceTreeNode] = [memory(0x4000_0000, 2 << 30)], reserved: [DeviceTreeNode]? = nil,
                      _ others: [DeviceTreeNode] = []) -> DeviceTree {
        let children = memory + (reserved.map { [reservedMemory($0)] } ?? []) + others
        return DeviceTree(root: node("", [strings("model", "test board"), strings("compatible", "protmem,test"),
                                          cells("#address-cells", 2), cells("#size-cells", 2)], children))
    }
}

/// Builds `tree` and returns the error, failing the test when it builds.
func buildError(_ tree: DeviceTree, sourceLocation: SourceLocation = #_sourceLocation) -> BoardBuildError? {
    do {
        _ = try BoardBuilder.build(tree)
        Issue.record("the tree built", sourceLocation: sourceLocation)
        return nil
    } catch {
        return error
    }
}
