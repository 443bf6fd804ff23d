import ProtMemDMABuf
import ProtMemPanthor
import ProtMemTime

extension Board {
    /// The Panthor GPU this board describes, wired to the board: its bus, RAM, heaps and the
    /// secure world's scrub service, with protected memory from the design its device tree
    /// chose, or handed in by userspace when `userspaceProtectedMemory` (the design with no
    /// device-tree property: Boris Brezillon's May 2026 proposal).
    ///
    /// The device is created, not probed: probing (and deferring) is the caller's step, as the
    /// driver core's is.
    /// A heap the device tree names is found as `heapLookup` says (the RFC's property, the
    /// series' module parameter, or the device tree as its review asked), and protected mode
    /// is entered as `protectedModeScheduling` says (the RFC, or patch 7 of the series).
    public func makeGPU(firmware: [UInt8], events: EventQueue, userspaceProtectedMemory: Bool = false,
                        heapLookup: ProtectedHeapLookup = ProtectedHeapLookup(),
                        protectedModeScheduling: ProtectedModeScheduling = .rfc,
                        parameters: CSFParameters = CSFParameters()) throws(BoardError) -> PanthorDevice {
        guard let gpu else { throw BoardError("board \(name) has no Valhall CSF GPU") }
        let protectedMemory: ProtectedMemoryConfiguration
        if userspaceProtectedMemory {
            protectedMemory = .userspace
        } else {
            switch gpu.design {
            case .none:
                protectedMemory = .none
            case .heapName(let heap):
                protectedMemory = .heapByName(heap)
            case .reservedRegion(_, let range):
                protectedMemory = .reservedRegion(range)
            case .heapDevice(let device):
                // The phandle resolves to the heap device's heap itself: a typed reference.
                guard let heap = heaps.heaps.first(where: { $0.name == device.heapName }) else {
                    throw BoardError("\(device.path): its heap \(device.heapName) is not registered on board \(name)")
                }
                protectedMemory = .heapDevice(heap)
            }
        }
        let configuration = PanthorConfiguration(deviceName: gpu.deviceName, protectedMemory: protectedMemory, heapLookup: heapLookup,
                                                 protectedModeScheduling: protectedModeScheduling, firmware: parameters)
        let environment = PanthorEnvironment(bus: bus, pages: pageAllocator, heaps: heaps, scrubber: scrubber, events: events)
        return PanthorDevice(configuration: configuration, environment: environment, firmware: firmware)
    }
}

extension GPUConfiguration {
    /// `dev_name()` of the platform device the kernel makes for the node: `<unit>.<name>`,
    /// e.g. `fb000000.gpu` for `/gpu@fb000000`.
    public var deviceName: String {
        let node = path.split(separator: "/").last.map(String.init) ?? "gpu"
        let parts = node.split(separator: "@", maxSplits: 1).map(String.init)
        return parts.count == 2 ? "\(parts[1]).\(parts[0])" : node
    }
}
