/// A fault a scenario injects at a virtual time (`inject:`), the same on every design, so
/// that a run (and `protmem compare`) says whether each design recovered, how many frames were
/// lost, and how long it took.
public struct InjectedFault: Hashable, Sendable, Codable {
    public enum Kind: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
        /// `GPU_IRQ_PROTM_FAULT` while the GPU is in protected mode (or at its next entry): the
        /// protected group fails and the GPU is reset. Recovery is userspace's: a client whose
        /// group failed makes a new one, as a Mesa context does after a guilty reset.
        case gpuResetInProtectedMode = "gpu-reset-protected"
        /// Another process takes every byte the heap has free (`heap`, default the design's
        /// protected heap) and holds it `for` the given time, then frees it all.
        case heapExhaustion = "heap-exhaustion"
        /// System suspend, and resume `for` the given time later: the GPU's groups are saved
        /// and its MCU halted, then restarted on its sections as they are.
        case suspendResume = "suspend-resume"
        /// OP-TEE refuses every `RECLAIM_PROTMEM` (`TEE_ERROR_BUSY`) `for` the given time: its
        /// dynamic pool cannot give memory back to CMA, so what the pool lends stays lent and
        /// protected. Boards without OP-TEE's dynamic pool have nothing to refuse.
        case refusedReclaim = "refused-reclaim"

        public var description: String { rawValue }

        /// Whether the fault lasts a while (`for` required).
        var hasDuration: Bool { self != .gpuResetInProtectedMode }
    }

    public var kind: Kind
    public var at: ScenarioDuration
    /// How long it lasts (`for`): heap exhaustion and suspend only.
    public var duration: ScenarioDuration?
    /// The heap exhausted (heap exhaustion only); the design's protected heap when absent.
    public var heap: String?

    public init(kind: Kind, at: ScenarioDuration, duration: ScenarioDuration? = nil, heap: String? = nil) {
        self.kind = kind
        self.at = at
        self.duration = duration
        self.heap = heap
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case kind, at, duration = "for", heap
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let kind = try container.decodeChoice(Kind.self, forKey: .kind, naming: "fault kind") else {
            throw DecodingError.keyNotFound(CodingKeys.kind, DecodingError.Context(codingPath: container.codingPath, debugDescription: "is required but missing"))
        }
        self.kind = kind
        at = try container.decode(ScenarioDuration.self, forKey: .at)
        duration = try container.decodeIfPresent(ScenarioDuration.self, forKey: .duration)
        heap = try container.decodeIfPresent(String.self, forKey: .heap)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .kind)
        try container.encode(at, forKey: .at)
        try container.encodeIfPresent(duration, forKey: .duration)
        try container.encodeIfPresent(heap, forKey: .heap)
    }
}
