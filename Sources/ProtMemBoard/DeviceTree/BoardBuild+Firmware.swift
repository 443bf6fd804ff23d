import ProtMemDeviceTree
import ProtMemMemory
import ProtMemSecureWorld

extension BoardBuild {
    /// The enabled `linaro,optee-tz` node, with the conduit `optee_probe` insists on.
    mutating func trustedOSNode() throws(BoardBuildError) -> TrustedOSNode? {
        let enabled = tree.locate(compatible: ProtMemBinding.optee).filter(\.node.isEnabled)
        guard let location = enabled.first else { return nil }
        if enabled.count > 1 {
            throw BoardBuildError(path: enabled[1].path, "a second enabled linaro,optee-tz node (the first is \(location.path)); a board has one OP-TEE")
        }
        consumed.insert(location.path)
        guard let method = try string(location, "method") else {
            throw BoardBuildError(path: location.path, property: "method", "missing: the OP-TEE driver cannot probe without its conduit (\"smc\" or \"hvc\")")
        }
        guard method == "smc" || method == "hvc" else {
            throw BoardBuildError(path: location.path, property: "method", "\"\(method)\" is neither \"smc\" nor \"hvc\"")
        }
        return TrustedOSNode(path: location.path, method: method)
    }

    /// OP-TEE's protected memory from its node's `protmem,` properties: a static pool (a
    /// phandle to a plain `no-map` region, which becomes the pool) and a dynamic pool's
    /// minimum lend. Neither: an OP-TEE without protected memory.
    func opteeConfiguration(_ node: TrustedOSNode, regions: inout [ReservedMemoryRegion]) throws(BoardBuildError) -> OPTEEConfiguration {
        guard let location = tree.locate(node.path) else { return OPTEEConfiguration() }
        var configuration = OPTEEConfiguration()
        if let target = try phandleTarget(location, ProtMemBinding.staticPool) {
            guard let index = regions.firstIndex(where: { $0.path == target.path }) else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.staticPool,
                                      "points at \(target.path), which is not an enabled /reserved-memory child")
            }
            guard regions[index].kind == .noMap else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.staticPool, """
                    points at \(target.path), a \(regions[index].kind.rawValue) region; the static pool must be a \
                    no-map region with no other role
                    """)
            }
            regions[index].kind = .opteeStaticPool
            configuration.staticPool = .init(range: regions[index].range)
        }
        if let minimum = try u64(location, ProtMemBinding.dynamicPoolMinimumSize) {
            guard minimum > 0, minimum & (pageSize - 1) == 0 else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.dynamicPoolMinimumSize,
                                      "\(Self.hex(minimum)) is not a non-zero number of 4 KiB pages")
            }
            let alignment = try u64(location, ProtMemBinding.dynamicPoolAlignment) ?? pageSize
            guard alignment >= pageSize, alignment.nonzeroBitCount == 1 else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.dynamicPoolAlignment,
                                      "\(Self.hex(alignment)) is not a power of two of at least one page")
            }
            configuration.dynamicPool = .init(minimumSize: minimum, alignment: alignment)
        } else if location.node.property(named: ProtMemBinding.dynamicPoolAlignment) != nil {
            throw BoardBuildError(path: location.path, property: ProtMemBinding.dynamicPoolAlignment,
                                  "given without \(ProtMemBinding.dynamicPoolMinimumSize)")
        }
        return configuration
    }

    /// MediaTek's secure-memory TA: its carve-out (`protmem,mtk-secmem`) and the dynamic
    /// restricted region, each at most once, and only on a board with OP-TEE to run the TA.
    func mediatekConfiguration(_ regions: [ReservedMemoryRegion], hasOPTEE: Bool) throws(BoardBuildError) -> MediaTekConfiguration? {
        let carveouts = regions.filter { $0.kind == .mediatekSecureMemory }
        let dynamic = regions.filter { $0.kind == .mediatekDynamicRegion }
        for list in [carveouts, dynamic] where list.count > 1 {
            throw BoardBuildError(path: list[1].path, "a second \(list[1].kind.rawValue) region (the first is \(list[0].path))")
        }
        guard let first = carveouts.first ?? dynamic.first else { return nil }
        guard hasOPTEE else {
            throw BoardBuildError(path: first.path, "MediaTek's secure-memory TA runs in OP-TEE, and the tree has no enabled linaro,optee-tz node")
        }
        var grant = OPTEEConfiguration.defaultGrants[.secureVideoPlay]!
        if let carveout = carveouts.first, let location = tree.locate(carveout.path) {
            grant.readers = try masters(location, ProtMemBinding.readers) ?? grant.readers
            grant.writers = try masters(location, ProtMemBinding.writers) ?? grant.writers
        }
        return MediaTekConfiguration(carveout: carveouts.first?.range, dynamicRegion: dynamic.first?.range, grant: grant)
    }
}
