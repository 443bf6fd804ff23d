import ProtMemDeviceTree
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE

extension BoardBuild {
    /// The enabled `protmem,pkvm` node: its FF-A endpoints (each enabled `ffa-endpoint@<id>` child,
    /// with the masters that may use memory lent to it) and the heap that lends to one of them.
    /// `otherHeaps` are the heaps the rest of the board registers and who registers each: the
    /// hypervisor's heap must not take one of their names, or `Board(_:)` would fail with
    /// `EEXIST` far from the node that caused it.
    mutating func hypervisor(otherHeaps: [(name: String, owner: String)]) throws(BoardBuildError)
        -> (node: HypervisorNode, configuration: HypervisorConfiguration)? {
        let enabled = tree.locate(compatible: ProtMemBinding.pkvm).filter(\.node.isEnabled)
        guard let location = enabled.first else { return nil }
        if enabled.count > 1 {
            throw BoardBuildError(path: enabled[1].path, "a second enabled \(ProtMemBinding.pkvm) node (the first is \(location.path)); a board has one hypervisor")
        }
        consumed.insert(location.path)
        var endpoints: [HypervisorNode.Endpoint] = []
        var receivers: [UInt16: OPTEEConfiguration.Grant] = [:]
        for child in location.node.children {
            let endpoint = location.descending(to: child)
            guard child.baseName == "ffa-endpoint" else {
                throw BoardBuildError(path: endpoint.path, "a \(ProtMemBinding.pkvm) node has only ffa-endpoint@<id> children")
            }
            guard child.isEnabled else { continue }
            let id = try endpointID(endpoint)
            if let other = endpoints.first(where: { $0.id == id }) {
                throw BoardBuildError(path: endpoint.path, property: "reg", "endpoint id \(Self.hex(UInt64(id))) is also \(other.path)'s")
            }
            receivers[id] = OPTEEConfiguration.Grant(readers: try lentMemoryMasters(endpoint, ProtMemBinding.readers),
                                                     writers: try lentMemoryMasters(endpoint, ProtMemBinding.writers))
            endpoints.append(HypervisorNode.Endpoint(id: id, path: endpoint.path))
        }
        guard !endpoints.isEmpty else {
            throw BoardBuildError(path: location.path, "no enabled ffa-endpoint@<id> child: the hypervisor's heap has no FF-A endpoint to lend to")
        }
        let receiver = try heapEndpoint(location, endpoints)
        let heapName = try hypervisorHeapName(location, otherHeaps: otherHeaps)
        let lendModel = try self.lendModel(location)
        return (HypervisorNode(path: location.path, endpoints: endpoints.sorted { $0.id < $1.id }),
                HypervisorConfiguration(receivers: receivers, heapName: heapName, heapReceiver: receiver, lendModel: lendModel))
    }

    /// `reg`: one cell, a 16-bit FF-A endpoint id other than the host's own (`HOST_FFA_ID`,
    /// 0), matching the unit address.
    private func endpointID(_ location: DeviceTreeLocation) throws(BoardBuildError) -> UInt16 {
        guard let property = location.node.property(named: "reg") else {
            throw BoardBuildError(path: location.path, property: "reg", "missing: an endpoint's reg is its FF-A endpoint id")
        }
        guard property.value.count == 4, let cell = try? property.cells().first else {
            throw BoardBuildError(path: location.path, property: "reg",
                                  "expected one cell (the FF-A endpoint id), found \(property.value.count) bytes")
        }
        guard let id = UInt16(exactly: cell) else {
            throw BoardBuildError(path: location.path, property: "reg", "\(Self.hex(UInt64(cell))) is out of range: FF-A endpoint ids are 16 bits")
        }
        guard id != FFA.hostEndpoint else {
            throw BoardBuildError(path: location.path, property: "reg", "0x0 is the host's own FF-A id: the host cannot lend memory to itself")
        }
        if let unit = location.node.unitAddress, UInt64(unit, radix: 16) != UInt64(id) {
            throw BoardBuildError(path: location.path, property: "reg", "\(Self.hex(UInt64(id))) does not match the unit address @\(unit)")
        }
        return id
    }

    /// `protmem,readers`/`writers` of an endpoint (none when absent). The host CPU cannot be
    /// among them: `FFA_MEM_LEND` takes the memory away from the host.
    private func lentMemoryMasters(_ location: DeviceTreeLocation, _ name: String) throws(BoardBuildError) -> [BusMaster] {
        let found = try masters(location, name) ?? []
        if found.contains(.cpuNonSecure) {
            throw BoardBuildError(path: location.path, property: name, """
                "\(BusMaster.cpuNonSecure.name)" is the host CPU, and memory lent with FFA_MEM_LEND is taken away from the host
                """)
        }
        return found
    }

    /// `protmem,heap-endpoint`: the endpoint child the heap lends to; may be left out when
    /// there is only one.
    private func heapEndpoint(_ location: DeviceTreeLocation, _ endpoints: [HypervisorNode.Endpoint]) throws(BoardBuildError) -> UInt16 {
        guard let target = try phandleTarget(location, ProtMemBinding.heapEndpoint) else {
            guard endpoints.count == 1 else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.heapEndpoint,
                                      "missing: the node has \(endpoints.count) endpoints, so it must say which one the heap lends to")
            }
            return endpoints[0].id
        }
        guard let endpoint = endpoints.first(where: { $0.path == target.path }) else {
            throw BoardBuildError(path: location.path, property: ProtMemBinding.heapEndpoint,
                                  "points at \(target.path), which is not an enabled endpoint of this node")
        }
        return endpoint.id
    }

    /// `protmem,lend-model`: `strict` (the default) or `upstream`.
    private func lendModel(_ location: DeviceTreeLocation) throws(BoardBuildError) -> Hypervisor.LendModel {
        guard let given = try string(location, ProtMemBinding.lendModel) else { return .strict }
        guard let model = Hypervisor.LendModel(rawValue: given) else {
            let valid = Hypervisor.LendModel.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: " or ")
            throw BoardBuildError(path: location.path, property: ProtMemBinding.lendModel, "\"\(given)\" is not a lend model: expected \(valid)")
        }
        return model
    }

    /// `protmem,heap-name`, else `protected,secure-video`: a name no other heap of the board has.
    private func hypervisorHeapName(_ location: DeviceTreeLocation, otherHeaps: [(name: String, owner: String)]) throws(BoardBuildError) -> String {
        let given = try string(location, ProtMemBinding.heapName)
        let name = given ?? HypervisorConfiguration.defaultHeapName
        guard !name.isEmpty, !name.contains("/") else {
            throw BoardBuildError(path: location.path, property: ProtMemBinding.heapName, "\"\(name)\" cannot name a /dev/dma_heap node")
        }
        if let other = otherHeaps.first(where: { $0.name == name }) {
            throw BoardBuildError(path: location.path, property: ProtMemBinding.heapName, """
                "\(name)"\(given == nil ? " (the default)" : "") is already the name of \(other.owner); /dev/dma_heap names are unique
                """)
        }
        return name
    }

    /// The heaps `Board(_:)` registers for `configuration` besides the hypervisor's, each with
    /// the node that asks for it.
    func heapOwners(_ configuration: BoardConfiguration, regions: [ReservedMemoryRegion],
                    trustedOS: TrustedOSNode?) -> [(name: String, owner: String)] {
        func path(_ kind: ReservedMemoryRegion.Kind, _ range: PhysicalRange) -> String {
            regions.first { $0.kind == kind && $0.range == range }?.path ?? "a \(kind.rawValue) region"
        }
        var owners = [(name: "system", owner: "the system heap")]
        if let cma = configuration.cma {
            owners.append((cma.name, "the CMA heap of \(path(.defaultCMA, cma.range))"))
        }
        for carveout in configuration.carveouts {
            owners.append((carveout.heapName, "the carve-out heap of \(path(.protectedCarveout, carveout.range))"))
        }
        if let optee = configuration.optee, optee.staticPool != nil || optee.dynamicPool != nil,
           let name = ProtectedMemoryUseCase.secureVideoPlay.heapName {
            owners.append((name, "OP-TEE's protected-memory heap (\(trustedOS?.path ?? "OP-TEE"))"))
        }
        if let range = configuration.mediatek?.carveout {
            owners.append((MediaTekRestrictedHeap.carveoutHeapName, "MediaTek's restricted heap of \(path(.mediatekSecureMemory, range))"))
        }
        if let range = configuration.mediatek?.dynamicRegion {
            owners.append((MediaTekRestrictedHeap.cmaHeapName, "MediaTek's restricted heap of \(path(.mediatekDynamicRegion, range))"))
        }
        return owners
    }
}
