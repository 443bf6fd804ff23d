import ProtMemDeviceTree
import ProtMemMemory

extension BoardBuild {
    /// Enabled `protmem,protected-heap` nodes and the heap each exports.
    mutating func heapDevices(regions: [ReservedMemoryRegion]) throws(BoardBuildError) -> [HeapDevice] {
        var devices: [HeapDevice] = []
        for location in tree.locate(compatible: ProtMemBinding.protectedHeap) where location.node.isEnabled {
            consumed.insert(location.path)
            let region = try phandleTarget(location, "memory-region")
            let name = try string(location, ProtMemBinding.heapName)
            switch (region, name) {
            case (.some, .some):
                throw BoardBuildError(path: location.path, property: ProtMemBinding.heapName,
                                      "given with memory-region; a heap device has one backing, a carve-out or a named heap")
            case (nil, nil):
                throw BoardBuildError(path: location.path, "a heap device needs memory-region (a protmem,protected-carveout) or protmem,heap-name")
            case (let target?, nil):
                guard regions.contains(where: { $0.path == target.path && $0.kind == .protectedCarveout }) else {
                    throw BoardBuildError(path: location.path, property: "memory-region",
                                          "points at \(target.path), which is not an enabled protmem,protected-carveout region")
                }
                devices.append(HeapDevice(path: location.path, heapName: try carveoutHeapName(target),
                                          backing: .carveout(region: target.node.name)))
            case (nil, let heapName?):
                guard !heapName.isEmpty else {
                    throw BoardBuildError(path: location.path, property: ProtMemBinding.heapName, "is empty")
                }
                devices.append(HeapDevice(path: location.path, heapName: heapName, backing: .namedHeap))
            }
        }
        return devices
    }

    /// The enabled `arm,mali-valhall-csf` node: its registers and which design its properties
    /// select. A node carrying two designs is refused: the driver would follow one and the
    /// author meant the other.
    mutating func gpuConfiguration(regions: [ReservedMemoryRegion], heapDevices: [HeapDevice]) throws(BoardBuildError) -> GPUConfiguration? {
        let enabled = tree.locate(compatible: ProtMemBinding.valhallCSF).filter(\.node.isEnabled)
        guard let location = enabled.first else { return nil }
        if enabled.count > 1 {
            throw BoardBuildError(path: enabled[1].path, "a second enabled arm,mali-valhall-csf GPU (the first is \(location.path)); the model has one GPU")
        }
        consumed.insert(location.path)
        guard let registers = try physicalRanges(location, "reg")?.first else {
            throw BoardBuildError(path: location.path, property: "reg", "missing or empty: the driver cannot map the GPU's registers")
        }
        let carried = [ProtMemBinding.protectedHeapName, "memory-region", ProtMemBinding.gpuProtectedHeap]
            .filter { location.node.property(named: $0) != nil }
        if carried.count > 1 {
            throw BoardBuildError(path: location.path, property: carried[1],
                                  "the GPU carries both \(carried[0]) and \(carried[1]); each selects a different design")
        }
        let design: GPUDesign
        switch carried.first {
        case ProtMemBinding.protectedHeapName?:
            let name = try string(location, ProtMemBinding.protectedHeapName) ?? ""
            guard !name.isEmpty else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.protectedHeapName, "is empty")
            }
            design = .heapName(name)
        case "memory-region"?:
            design = try reservedRegionDesign(location, regions: regions)
        case ProtMemBinding.gpuProtectedHeap?:
            let target = try phandleTarget(location, ProtMemBinding.gpuProtectedHeap)
            guard let target, let device = heapDevices.first(where: { $0.path == target.path }) else {
                throw BoardBuildError(path: location.path, property: ProtMemBinding.gpuProtectedHeap,
                                      "points at \(target?.path ?? "nothing"), which is not an enabled protmem,protected-heap node")
            }
            design = .heapDevice(device)
        default:
            design = .none
        }
        return GPUConfiguration(path: location.path, compatible: location.node.compatible,
                                registers: try translate(registers, of: location), design: design)
    }

    /// `memory-region` (the entry named `protected` when `memory-region-names` is there):
    /// a `no-map` region nothing else owns.
    private func reservedRegionDesign(_ location: DeviceTreeLocation, regions: [ReservedMemoryRegion]) throws(BoardBuildError) -> GPUDesign {
        let names = try stringList(location, "memory-region-names") ?? []
        let index = names.firstIndex(of: "protected") ?? 0
        guard let target = try phandleTarget(location, "memory-region", index: index) else { return .none }
        guard let region = regions.first(where: { $0.path == target.path }) else {
            throw BoardBuildError(path: location.path, property: "memory-region",
                                  "points at \(target.path), which is not an enabled /reserved-memory child")
        }
        guard region.noMap else {
            throw BoardBuildError(path: location.path, property: "memory-region",
                                  "points at \(region.path), which is not no-map: the driver allocates from it itself, so the kernel must never map or use it")
        }
        guard region.isInDRAM else {
            throw BoardBuildError(path: location.path, property: "memory-region",
                                  "points at \(region.path), which lies outside DRAM: there is no memory to allocate from")
        }
        guard region.kind == .protectedRegion || region.kind == .noMap else {
            throw BoardBuildError(path: location.path, property: "memory-region",
                                  "points at \(region.path), a \(region.kind.rawValue) region that already has an owner")
        }
        return .reservedRegion(name: region.name, range: region.range)
    }

    /// A bus address translated through each parent bus's `ranges` to a CPU physical address,
    /// as `of_translate_address` does; a bus without `ranges` does not reach the CPU.
    func translate(_ range: PhysicalRange, of location: DeviceTreeLocation) throws(BoardBuildError) -> PhysicalRange {
        let components = location.path.split(separator: "/").map(String.init)
        var address = range.base.rawValue
        var level = location.ancestors.count - 1
        while level >= 1 {
            let busPath = "/" + components[0..<level].joined(separator: "/")
            let bus = DeviceTreeLocation(path: busPath, node: location.ancestors[level], ancestors: Array(location.ancestors[0..<level]))
            let windows: [DeviceTreeRange]?
            do {
                windows = try bus.ranges()
            } catch {
                throw BoardBuildError(path: busPath, property: error.property, "does not decode: expected \(error.expected), found \(error.found)")
            }
            guard let windows else {
                throw BoardBuildError(path: location.path, property: "reg", "the parent bus \(busPath) has no ranges, so its addresses do not reach the CPU")
            }
            if !windows.isEmpty {
                guard let window = windows.first(where: { window in
                    guard let child = window.childAddress.value, let size = window.size.value else { return false }
                    return address >= child && address - child <= size && range.size <= size - (address - child)
                }), let child = window.childAddress.value, let parent = window.parentAddress.value,
                      case let (translated, overflow) = parent.addingReportingOverflow(address - child), !overflow else {
                    throw BoardBuildError(path: location.path, property: "reg", "\(range) lies in no ranges window of \(busPath)")
                }
                address = translated
            }
            level -= 1
        }
        guard let translated = PhysicalRange(base: PhysicalAddress(address), size: range.size) else {
            throw BoardBuildError(path: location.path, property: "reg", "translates past the end of the address space")
        }
        return translated
    }

    /// Every node with a compatible that nothing was made of, in tree order.
    mutating func collectUnmodelled() {
        var found: [UnmodelledNode] = []
        let consumed = self.consumed
        tree.root.walk { path, node in
            if path != "/", !consumed.contains(path), !node.compatible.isEmpty {
                found.append(UnmodelledNode(path: path, compatible: node.compatible, reason: node.isEnabled ? "no model" : "disabled"))
            }
            return true
        }
        unmodelled += found
    }
}
