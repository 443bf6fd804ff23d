import ProtMemBoard
import ProtMemDeviceTree
import ProtMemMemory
import ProtMemSecureWorld

/// The boards attacks run on: the built-in default board, the same board with one design
/// changed, and hypervisor boards built from a device tree. Every attack builds a fresh one,
/// so no attack sees what another left behind.
enum AttackBoards {
    /// The built-in default board (`Boards/protmem-default.dts`): a 128 MiB firewalled
    /// carve-out (`protected-carveout`) and OP-TEE's 64 MiB static pool
    /// (`protected,secure-video`).
    static var builtin: BoardConfiguration { .builtinDefault }

    /// See ``BoardConfiguration/builtinOPTEEDynamic``.
    static var opteeDynamic: BoardConfiguration { .builtinOPTEEDynamic }

    /// See ``BoardConfiguration/builtinMediaTek``.
    static var mediatek: BoardConfiguration { .builtinMediaTek }

    /// One page of firewalled memory the normal-world CPU may read (a secure log or status
    /// page, as firmware exposes read-only): a grant of `cpu` read that must hide nothing else.
    static let cpuReadablePage = PhysicalRange(checkedBase: 0x9000_0000, size: pageSize)

    /// The default board plus ``cpuReadablePage``.
    static var cpuReadableRegion: BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "protmem-cpu-readable-page"
        configuration.reservedRegions = [.init(name: "secure-log@90000000", range: cpuReadablePage,
                                               protection: .init(readers: [.cpuNonSecure], writers: [],
                                                                 reason: "secure log, readable by the normal world"))]
        return configuration
    }

    /// How the hypervisor's stage 2 treats `FFA_MEM_LEND` for the host, as the device tree's
    /// `protmem,lend-model` says it.
    enum LendModel: String, Sendable {
        /// The host's stage 2 unmaps lent pages: host access faults (`stage2`).
        case strict
        /// Upstream pKVM: LEND is treated like SHARE for the host, so the host CPU can still
        /// read lent pages; the secure world is left to enforce.
        case upstream
    }

    /// The default board's memory, CMA area and carve-out with its protected memory from a
    /// pKVM-style hypervisor instead of OP-TEE, as a device tree (the layout of
    /// `Boards/protmem-default.dts` with the `protmem,pkvm` node of
    /// `Boards/overlays/rk3588-rock-5b-hypervisor.dtso`): `protected,secure-video` lends system
    /// RAM to endpoint 0x8001, which the protected GPU, the codec and the display may use.
    static func hypervisorTree(_ model: LendModel) -> DeviceTree {
        func cells(_ name: String, _ values: UInt32...) -> DeviceTreeProperty { DeviceTreeProperty(name: name, cells: values) }
        func strings(_ name: String, _ values: String...) -> DeviceTreeProperty { DeviceTreeProperty(name: name, strings: values) }
        func flag(_ name: String) -> DeviceTreeProperty { DeviceTreeProperty(name: name) }
        let memory = DeviceTreeNode(name: "memory@40000000", properties: [
            strings("device_type", "memory"), cells("reg", 0, 0x4000_0000, 0, 0x8000_0000),
        ])
        let reserved = DeviceTreeNode(name: "reserved-memory", properties: [cells("#address-cells", 2), cells("#size-cells", 2), flag("ranges")], children: [
            DeviceTreeNode(name: "linux,cma", properties: [
                strings("compatible", "shared-dma-pool"), cells("size", 0, 0x1000_0000), cells("alloc-ranges", 0, 0xA800_0000, 0, 0x1000_0000),
                flag("reusable"), flag("linux,cma-default"),
            ]),
            DeviceTreeNode(name: "protected-carveout@b8000000", properties: [
                strings("compatible", "protmem,protected-carveout"), cells("reg", 0, 0xB800_0000, 0, 0x0800_0000), flag("no-map"),
                strings("protmem,heap-name", "protected-carveout"),
                strings("protmem,readers", "gpu-protected", "codec", "display"),
                strings("protmem,writers", "gpu-protected", "codec", "camera"),
            ]),
        ])
        let hypervisor = DeviceTreeNode(name: "hypervisor", properties: [
            strings("compatible", "protmem,pkvm"), cells("#address-cells", 1), cells("#size-cells", 0),
            strings("protmem,heap-name", "protected,secure-video"), strings("protmem,lend-model", model.rawValue),
        ], children: [
            DeviceTreeNode(name: "ffa-endpoint@8001", properties: [
                cells("reg", 0x8001),
                strings("protmem,readers", "gpu-protected", "codec", "display"),
                strings("protmem,writers", "gpu-protected", "codec"),
            ]),
        ])
        let root = DeviceTreeNode(name: "", properties: [
            strings("model", "protmem-pkvm-\(model.rawValue)"), strings("compatible", "protmem,default"),
            cells("#address-cells", 2), cells("#size-cells", 2),
        ], children: [memory, reserved, DeviceTreeNode(name: "firmware", children: [hypervisor])])
        return DeviceTree(root: root)
    }

    /// The configuration ``hypervisorTree(_:)`` describes, as the board builder reads it.
    static func hypervisor(_ model: LendModel) throws -> BoardConfiguration {
        do {
            return try BoardBuilder.build(hypervisorTree(model)).configuration
        } catch {
            throw AttackSetupError("the hypervisor board's device tree does not build: \(error)")
        }
    }
}
