import ProtMemBoard
import ProtMemHeaps
import ProtMemPanthor
import ProtMemReport

/// A scenario: which board, which integration design, and what the workloads do, for how
/// long. Written in YAML (see `Examples/scenarios/`); every field has the name it has there.
public struct Scenario: Hashable, Sendable, Codable {
    public var name: String
    public var seed: UInt64
    public var board: BoardChoice
    public var design: Design
    /// Simulated time, e.g. `2s`, `500ms`.
    public var duration: ScenarioDuration
    /// When the GPU driver probes relative to the heaps' drivers (`probe_order`).
    public var probeOrder: ProbeOrder
    /// How the heap-by-name design finds its heap (`heap_source`, `missing_heap`,
    /// `protected_heap_name`); the other designs look no heap up by name and ignore it.
    public var heapLookup: ProtectedHeapLookup
    /// Under the userspace design, the heap userspace allocates the firmware's protected
    /// sections from (`firmware_buffer_heap`); without it, the protected heap. A heap the normal
    /// world can read is Chia-I Wu's report: the firmware boots and faults only at
    /// `GLB_PROTM_ENTER`. The other designs ignore it.
    public var firmwareBufferHeap: String?
    /// How the GPU driver enters protected mode (`protm_scheduling`): the RFC (the default),
    /// patch 7 of the May 2026 series as posted, or that patch as its review asked.
    public var protectedModeScheduling: ProtectedModeScheduling = .rfc
    /// The allocator of each carve-out heap named here (`allocators:`, heap name to
    /// allocator), over what the board's `protmem,allocator` says; the others keep theirs.
    public var allocators: [String: PoolAllocatorKind] = [:]
    public var workloads: [Workload]
    /// Faults injected at set times (`inject:`), the same under every design.
    public var injectedFaults: [InjectedFault] = []
    /// Heaps whose module never loads (`unavailable_heaps`): they never register, whatever the
    /// probe order; what the GPU's probe then does is `missing_heap`'s.
    public var unavailableHeaps: [String] = []
    /// Heap providers that never come up (`unavailable_providers`: `optee` for a TEE that is
    /// not there, `arm_ffa`): no device binds, none of their heaps registers.
    public var unavailableProviders: [HeapProvider] = []
    /// What the run should report (`expect:`); without it, no violation and any number of
    /// faults.
    public var expect: Expectation?

    public init(name: String, seed: UInt64 = 1, board: BoardChoice = .builtin, design: Design = .heapByName,
                duration: ScenarioDuration, probeOrder: ProbeOrder = .linkOrder, heapLookup: ProtectedHeapLookup = ProtectedHeapLookup(),
                workloads: [Workload], expect: Expectation? = nil) {
        self.name = name
        self.heapLookup = heapLookup
        self.expect = expect
        self.probeOrder = probeOrder
        self.seed = seed
        self.board = board
        self.design = design
        self.duration = duration
        self.workloads = workloads
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case name, seed, board, design, duration, probeOrder = "probe_order", heapSource = "heap_source", missingHeap = "missing_heap",
             protectedHeapName = "protected_heap_name", firmwareBufferHeap = "firmware_buffer_heap",
             protectedModeScheduling = "protm_scheduling", allocators, workloads, injectedFaults = "inject",
             unavailableHeaps = "unavailable_heaps", unavailableProviders = "unavailable_providers", expect
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed) ?? 1
        board = try container.decodeIfPresent(BoardChoice.self, forKey: .board) ?? .builtin
        if let name = try container.decodeIfPresent(String.self, forKey: .design) {
            guard let named = Design(name: name) else {
                throw DecodingError.dataCorruptedError(forKey: .design, in: container, debugDescription:
                    "unknown design \"\(name)\"; expected one of \(Design.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            design = named
        } else {
            design = .heapByName
        }
        duration = try container.decode(ScenarioDuration.self, forKey: .duration)
        probeOrder = try container.decodeChoice(ProbeOrder.self, forKey: .probeOrder, naming: "probe order") ?? .linkOrder
        // `heap_source: userspace-import` is Boris Brezillon's proposal: no name, no lookup;
        // userspace hands the buffers in (the userspace-import design).
        let sourceName = try container.decodeIfPresent(String.self, forKey: .heapSource)
        let userspaceImport = sourceName == Design.userspace.rawValue
        if let sourceName, !userspaceImport, ProtectedHeapLookup.NameSource(rawValue: sourceName) == nil {
            let names = ProtectedHeapLookup.NameSource.allCases.map(\.rawValue) + [Design.userspace.rawValue]
            throw DecodingError.dataCorruptedError(forKey: .heapSource, in: container, debugDescription:
                "unknown heap source \"\(sourceName)\"; expected one of \(names.joined(separator: ", "))")
        }
        if userspaceImport {
            if container.contains(.design), design != .userspace {
                throw DecodingError.dataCorruptedError(forKey: .heapSource, in: container, debugDescription:
                    "heap_source: userspace-import is the userspace-import design, not design \(design)")
            }
            design = .userspace
        }
        heapLookup = ProtectedHeapLookup(
            source: userspaceImport ? .rfc
                : try container.decodeChoice(ProtectedHeapLookup.NameSource.self, forKey: .heapSource, naming: "heap source") ?? .rfc,
            whenMissing: try container.decodeChoice(ProtectedHeapLookup.WhenMissing.self, forKey: .missingHeap, naming: "missing-heap behaviour") ?? .deferProbe,
            moduleParameter: try container.decodeIfPresent(String.self, forKey: .protectedHeapName))
        if heapLookup.moduleParameter != nil, heapLookup.source != .moduleParameter {
            throw DecodingError.dataCorruptedError(forKey: .protectedHeapName, in: container, debugDescription:
                "protected_heap_name is the module parameter of heap_source: module-param, not of \(heapLookup.source)")
        }
        firmwareBufferHeap = try container.decodeIfPresent(String.self, forKey: .firmwareBufferHeap)
        protectedModeScheduling = try container.decodeChoice(ProtectedModeScheduling.self, forKey: .protectedModeScheduling,
                                                             naming: "protected-mode scheduling") ?? .rfc
        if container.contains(.allocators) {
            let choices = try container.nestedContainer(keyedBy: HeapNameKey.self, forKey: .allocators)
            for key in choices.allKeys {
                allocators[key.stringValue] = try choices.decodeChoice(PoolAllocatorKind.self, forKey: key, naming: "allocator")
            }
        }
        workloads = try container.decode([Workload].self, forKey: .workloads)
        injectedFaults = try container.decodeIfPresent([InjectedFault].self, forKey: .injectedFaults) ?? []
        unavailableHeaps = try container.decodeIfPresent([String].self, forKey: .unavailableHeaps) ?? []
        let providerNames = try container.decodeIfPresent([String].self, forKey: .unavailableProviders) ?? []
        for name in providerNames {
            guard let provider = HeapProvider.scenarioNamed(name) else {
                throw DecodingError.dataCorruptedError(forKey: .unavailableProviders, in: container, debugDescription:
                    "unknown heap provider \"\(name)\"; expected one of \(HeapProvider.scenarioNames.joined(separator: ", "))")
            }
            unavailableProviders.append(provider)
        }
        expect = try container.decodeIfPresent(Expectation.self, forKey: .expect)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encode(seed, forKey: .seed)
        try container.encode(board, forKey: .board)
        try container.encode(design, forKey: .design)
        try container.encode(duration, forKey: .duration)
        try container.encode(probeOrder.rawValue, forKey: .probeOrder)
        try container.encode(heapLookup.source.rawValue, forKey: .heapSource)
        try container.encode(heapLookup.whenMissing.rawValue, forKey: .missingHeap)
        try container.encodeIfPresent(heapLookup.moduleParameter, forKey: .protectedHeapName)
        try container.encodeIfPresent(firmwareBufferHeap, forKey: .firmwareBufferHeap)
        try container.encode(protectedModeScheduling.rawValue, forKey: .protectedModeScheduling)
        if !allocators.isEmpty {
            // In name order, so one scenario always encodes to the same bytes.
            var choices = container.nestedContainer(keyedBy: HeapNameKey.self, forKey: .allocators)
            for (heap, kind) in allocators.sorted(by: { $0.key < $1.key }) { try choices.encode(kind.rawValue, forKey: HeapNameKey(heap)) }
        }
        try container.encode(workloads, forKey: .workloads)
        if !injectedFaults.isEmpty { try container.encode(injectedFaults, forKey: .injectedFaults) }
        if !unavailableHeaps.isEmpty { try container.encode(unavailableHeaps, forKey: .unavailableHeaps) }
        if !unavailableProviders.isEmpty { try container.encode(unavailableProviders.map(\.scenarioName), forKey: .unavailableProviders) }
        try container.encodeIfPresent(expect, forKey: .expect)
    }

    /// What a run of the scenario should report: `faults` (absent: any number) and
    /// `violations` (absent: none), each a whole number or a range
    /// (`{at_least: 1, at_most: 3}`). `protmem simulate` exits 0 when the run met it, 3 when
    /// its violations are not as expected, 4 when they are and its faults are not.
    public struct Expectation: Hashable, Sendable, Codable {
        public var faults: ExpectedCount?
        public var violations: ExpectedCount

        public init(faults: ExpectedCount? = nil, violations: ExpectedCount = .exactly(0)) {
            self.faults = faults
            self.violations = violations
        }

        enum CodingKeys: String, CodingKey, CaseIterable { case faults, violations }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            faults = try container.decodeIfPresent(ExpectedCount.self, forKey: .faults)
            violations = try container.decodeIfPresent(ExpectedCount.self, forKey: .violations) ?? .exactly(0)
        }

        /// How `report` measures up.
        public func judge(_ report: RunReport, stated: Bool = true) -> RunReport.Expectation {
            RunReport.Expectation(faults: faults, violations: violations, stated: stated, faultCount: report.faultCount,
                                  violationCount: UInt64(report.violations.count))
        }
    }
}

/// A key that is a heap's name (the keys of `allocators:`).
struct HeapNameKey: CodingKey {
    let stringValue: String
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    var intValue: Int? { nil }
    init?(intValue: Int) { nil }
}

/// How the GPU driver gets protected memory (ARCHITECTURE.md, "The four ways"): the scenario's name for the driver's ``ProtectedMemoryDesign`` (same cases, same spellings).
public typealias Design = ProtectedMemoryDesign

/// The board a scenario runs on: the built-in default, or a blob with overlays (paths
/// relative to the scenario file).
public enum BoardChoice: Hashable, Sendable, Codable {
    case builtin
    case blob(path: String, overlays: [String])

    enum CodingKeys: String, CodingKey, CaseIterable {
        case builtin, blob, overlays
    }

    public init(from decoder: any Decoder) throws {
        if let single = try? decoder.singleValueContainer(), let text = try? single.decode(String.self) {
            guard text == "builtin" || text == "default" else {
                throw DecodingError.dataCorruptedError(in: single, debugDescription: "expected \"builtin\" or a mapping with blob and overlays, found \"\(text)\"")
            }
            self = .builtin
            return
        }
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let path = try container.decode(String.self, forKey: .blob)
        self = .blob(path: path, overlays: try container.decodeIfPresent([String].self, forKey: .overlays) ?? [])
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .builtin:
            var single = encoder.singleValueContainer()
            try single.encode("builtin")
        case .blob(let path, let overlays):
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(path, forKey: .blob)
            try container.encode(overlays, forKey: .overlays)
        }
    }
}

extension KeyedDecodingContainer {
    /// A field whose value is one of `T`'s spellings, or absent; anything else is refused
    /// with every spelling it could have been (not Codable's "Cannot initialize T from
    /// invalid String value").
    func decodeChoice<T: RawRepresentable & CaseIterable>(_ type: T.Type, forKey key: Key, naming what: String) throws -> T?
    where T.RawValue == String {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = T(rawValue: text) else {
            throw DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription:
                "unknown \(what) \"\(text)\"; expected one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return value
    }
}

extension HeapProvider {
    /// The provider's name in a scenario (`unavailable_providers`): the driver's directory.
    public var scenarioName: String {
        switch self {
        case .dmaBufHeaps: "dma-buf-heaps"
        case .armFFA: "arm_ffa"
        case .optee: "optee"
        }
    }

    static var scenarioNames: [String] { allCases.map(\.scenarioName) }

    static func scenarioNamed(_ name: String) -> HeapProvider? { allCases.first { $0.scenarioName == name } }
}
