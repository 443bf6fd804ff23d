import Foundation
import ProtMemBoard
import ProtMemMemory

/// `protmem board`'s summary, one value for both renderings. JSON keys are snake_case and
/// sorted; a part the board lacks is `null`, never a missing key.
struct BoardReport: Encodable {
    struct Range: Encodable {
        let base: UInt64
        let size: UInt64
        init(_ range: PhysicalRange) { base = range.base.rawValue; size = range.size }
    }

    struct Bank: Encodable {
        let path: String
        let base: UInt64
        let size: UInt64
    }

    struct Region: Encodable {
        let name: String
        let path: String
        let kind: String
        let base: UInt64
        let size: UInt64
        let no_map: Bool
        let reusable: Bool
        let dynamic: Bool
        let in_dram: Bool
        let compatible: [String]
    }

    struct GPU: Encodable {
        let path: String
        let compatible: [String]
        let base: UInt64
        let size: UInt64
        /// `none`, `heap-name`, `memory-region`, `heap-device`.
        let design: String
        /// The heap the driver looks up (heap-name, heap-device designs).
        let heap: String?
        /// The heap device node (heap-device design).
        let heap_device: String?
        /// The region the driver allocates from (memory-region design).
        let region: String?
        /// What probe found: `ready`, `deferred` (EPROBE_DEFER: the heap is not registered) or `none`.
        let probe: String

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(compatible, forKey: .compatible)
            try container.encode(base, forKey: .base)
            try container.encode(size, forKey: .size)
            try container.encode(design, forKey: .design)
            try container.encode(heap, forKey: .heap)
            try container.encode(heap_device, forKey: .heap_device)
            try container.encode(region, forKey: .region)
            try container.encode(probe, forKey: .probe)
        }

        enum CodingKeys: String, CodingKey { case path, compatible, base, size, design, heap, heap_device, region, probe }
    }

    struct OPTEE: Encodable {
        let path: String
        let method: String
        let static_pool: Range?
        let dynamic_pool_min_size: UInt64?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .path)
            try container.encode(method, forKey: .method)
            try container.encode(static_pool, forKey: .static_pool)
            try container.encode(dynamic_pool_min_size, forKey: .dynamic_pool_min_size)
        }

        enum CodingKeys: String, CodingKey { case path, method, static_pool, dynamic_pool_min_size }
    }

    struct Hypervisor: Encodable {
        struct Endpoint: Encodable {
            let id: UInt16
            let path: String
            let readers: [String]
            let writers: [String]
        }
        let path: String
        /// The heap that lends its buffers, and the endpoint it lends them to.
        let heap: String
        let heap_endpoint: UInt16
        let endpoints: [Endpoint]
    }

    struct Device: Encodable {
        let path: String
        let heap: String
        let backing: String
    }

    struct Unmodelled: Encodable {
        let path: String
        let compatible: [String]
        let reason: String
    }

    let name: String
    let source: String
    let dram: [Range]
    let memory: [Bank]
    let reserved_memory: [Region]
    let heaps: [HeapSummary]
    let gpu: GPU?
    let optee: OPTEE?
    let hypervisor: Hypervisor?
    let heap_devices: [Device]
    let unmodelled: [Unmodelled]

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(source, forKey: .source)
        try container.encode(dram, forKey: .dram)
        try container.encode(memory, forKey: .memory)
        try container.encode(reserved_memory, forKey: .reserved_memory)
        try container.encode(heaps, forKey: .heaps)
        try container.encode(gpu, forKey: .gpu)
        try container.encode(optee, forKey: .optee)
        try container.encode(hypervisor, forKey: .hypervisor)
        try container.encode(heap_devices, forKey: .heap_devices)
        try container.encode(unmodelled, forKey: .unmodelled)
    }

    enum CodingKeys: String, CodingKey {
        case name, source, dram, memory, reserved_memory, heaps, gpu, optee, hypervisor, heap_devices, unmodelled
    }

    init(_ loaded: LoadedBoard, board: Board) {
        let description = loaded.description
        let configuration = description.configuration
        name = configuration.name
        source = loaded.source
        dram = configuration.dram.map(Range.init)
        memory = description.memory.map { Bank(path: $0.path, base: $0.range.base.rawValue, size: $0.range.size) }
        reserved_memory = description.reservedMemory.map {
            Region(name: $0.name, path: $0.path, kind: $0.kind.rawValue, base: $0.range.base.rawValue, size: $0.range.size,
                   no_map: $0.noMap, reusable: $0.reusable, dynamic: $0.isDynamic, in_dram: $0.isInDRAM, compatible: $0.compatible)
        }
        heaps = board.heapSummaries
        gpu = configuration.gpu.map { gpu in
            var heap: String?, device: String?, region: String?
            switch gpu.design {
            case .none: break
            case .heapName(let name): heap = name
            case .heapDevice(let heapDevice): heap = heapDevice.heapName; device = heapDevice.path
            case .reservedRegion(let name, _): region = name
            }
            let probe: String
            do {
                switch try board.probeProtectedMemory(for: gpu) {
                case .none: probe = "none"
                case .heap(let found): board.heaps.put(found); probe = "ready"
                case .region: probe = "ready"
                }
            } catch {
                probe = "deferred"
            }
            return GPU(path: gpu.path, compatible: gpu.compatible, base: gpu.registers.base.rawValue, size: gpu.registers.size,
                       design: gpu.design.kind, heap: heap, heap_device: device, region: region, probe: probe)
        }
        optee = description.trustedOS.map { node in
            OPTEE(path: node.path, method: node.method, static_pool: configuration.optee?.staticPool.map { Range($0.range) },
                  dynamic_pool_min_size: configuration.optee?.dynamicPool?.minimumSize)
        }
        if let node = description.hypervisor, let configured = configuration.hypervisor {
            hypervisor = Hypervisor(path: node.path, heap: configured.heapName, heap_endpoint: configured.heapReceiver,
                                    endpoints: node.endpoints.map { endpoint in
                                        let grant = configured.receivers[endpoint.id]
                                        return Hypervisor.Endpoint(id: endpoint.id, path: endpoint.path, readers: grant?.readers.map(\.name) ?? [],
                                                                   writers: grant?.writers.map(\.name) ?? [])
                                    })
        } else {
            hypervisor = nil
        }
        heap_devices = description.heapDevices.map { device in
            let backing: String
            switch device.backing {
            case .carveout(let region): backing = "carveout \(region)"
            case .namedHeap: backing = "named heap"
            }
            return Device(path: device.path, heap: device.heapName, backing: backing)
        }
        unmodelled = description.unmodelled.map { Unmodelled(path: $0.path, compatible: $0.compatible, reason: $0.reason) }
    }

    func json() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }
}

extension BoardReport {
    /// The human-readable summary: one section per part, tables aligned.
    var text: String {
        var lines = ["board: \(name)", "source: \(source)"]
        let total = dram.reduce(0) { $0 + $1.size }
        lines.append("memory: \(byteCount(total)) in \(dram.count) range\(dram.count == 1 ? "" : "s")")
        lines += table(["RANGE", "SIZE", "NODE"], memory.map { [Self.range($0.base, $0.size), byteCount($0.size), Self.node($0.path)] })
        lines.append("reserved memory: \(reserved_memory.count) region\(reserved_memory.count == 1 ? "" : "s")")
        lines += table(["NAME", "KIND", "RANGE", "SIZE", "FLAGS"], reserved_memory.map { region in
            let flags = [region.no_map ? "no-map" : nil, region.reusable ? "reusable" : nil, region.dynamic ? "placed" : nil,
                         region.in_dram ? nil : "outside-dram"].compactMap { $0 }
            return [region.name, region.kind, Self.range(region.base, region.size), byteCount(region.size), flags.joined(separator: ",")]
        })
        lines.append("heaps: \(heaps.count)")
        lines += table(["NAME", "KIND", "SIZE", "FREE", "PROTECTED"], heaps.map {
            [$0.name, $0.kind, byteCount($0.size), byteCount($0.free), $0.protected ? "yes" : "no"]
        })
        lines.append("devices:")
        if let gpu {
            let what: String
            switch gpu.design {
            case "heap-name": what = "protected-heap-name = \"\(gpu.heap ?? "")\""
            case "memory-region": what = "memory-region -> \(gpu.region ?? ""), allocated from directly"
            case "heap-device": what = "protmem,protected-heap -> \(gpu.heap_device ?? ""), heap \"\(gpu.heap ?? "")\""
            default: what = "no protected memory"
            }
            lines.append("  gpu \(gpu.path) (\(gpu.compatible.joined(separator: ", "))) at \(Self.range(gpu.base, gpu.size))")
            lines.append("    design \(gpu.design): \(what); probe \(gpu.probe == "deferred" ? "deferred (EPROBE_DEFER)" : gpu.probe)")
        }
        if let optee {
            var pools: [String] = []
            if let pool = optee.static_pool { pools.append("static pool \(Self.range(pool.base, pool.size))") }
            if let minimum = optee.dynamic_pool_min_size { pools.append("dynamic pool, lends at least \(byteCount(minimum))") }
            lines.append("  optee \(Self.node(optee.path)) (method \(optee.method)): \(pools.isEmpty ? "no protected memory" : pools.joined(separator: ", "))")
        }
        if let hypervisor {
            lines.append("  hypervisor \(Self.node(hypervisor.path)): heap \"\(hypervisor.heap)\" lends to endpoint \(Self.hex(hypervisor.heap_endpoint))")
            for endpoint in hypervisor.endpoints {
                func list(_ masters: [String]) -> String { masters.isEmpty ? "none" : masters.joined(separator: ", ") }
                lines.append("    endpoint \(Self.hex(endpoint.id))\(endpoint.path.isEmpty ? "" : " \(endpoint.path)"): "
                             + "readers \(list(endpoint.readers)); writers \(list(endpoint.writers))")
            }
        }
        for device in heap_devices {
            lines.append("  heap device \(device.path): heap \"\(device.heap)\" (\(device.backing))")
        }
        if gpu == nil && optee == nil && hypervisor == nil && heap_devices.isEmpty { lines.append("  none") }
        lines.append("unmodelled: \(unmodelled.count) node\(unmodelled.count == 1 ? "" : "s")")
        for node in unmodelled {
            lines.append("  \(node.path)  \(node.compatible.joined(separator: ", "))\(node.reason == "disabled" ? "  (disabled)" : "")")
        }
        return lines.joined(separator: "\n")
    }

    /// A node's path, or what stands for it on a board from no tree.
    static func node(_ path: String) -> String {
        path.isEmpty ? "(built-in)" : path
    }

    static func hex(_ value: some BinaryInteger) -> String {
        "0x" + String(value, radix: 16)
    }

    static func range(_ base: UInt64, _ size: UInt64) -> String {
        "[0x\(String(base, radix: 16))–0x\(String(base &+ size, radix: 16)))"
    }

    private func table(_ header: [String], _ rows: [[String]]) -> [String] {
        guard !rows.isEmpty else { return ["  none"] }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        return ([header] + rows).map { cells in
            "  " + cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
    }
}
