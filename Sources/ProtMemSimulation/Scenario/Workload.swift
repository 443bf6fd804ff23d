/// One thing a scenario makes the board do.
public enum Workload: Hashable, Sendable, Codable {
    /// The codec decodes into protected buffers, the GPU composes in protected mode, the
    /// display scans out.
    case securePlayback(VideoStream)
    /// The camera writes protected frames, the encoder reads them (and, given a
    /// `bitstream_heap`, writes each one's bitstream there).
    case secureRecord(VideoStream)
    /// The GPU draws a protected UI layer the display scans out.
    case trustedUI(TrustedUI)
    /// GPU groups with priorities, some with protected jobs.
    case mixedGPU(MixedGPU)
    /// Userspace processes allocating and freeing as fast as they can.
    case churn(Churn)
    /// A userspace GPU client (as Mesa is) driving the GPU through `/dev/dri/renderD128`.
    case renderNodeClient(RenderNodeClient)

    public struct RenderNodeClient: Hashable, Sendable, Codable {
        /// Protected frames submitted a second.
        public var frameRate: UInt32
        /// The protected heap the frame (and, under userspace-import, the suspend buffer and
        /// firmware sections) comes from; the design's default when absent.
        public var heap: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case frameRate = "frame_rate", heap
        }
    }

    public struct VideoStream: Hashable, Sendable, Codable {
        public var resolution: Resolution
        public var frameRate: UInt32
        public var buffers: UInt32
        /// The heap to allocate from; the design's default when absent.
        public var heap: String?
        /// Secure record only: the heap the encoder's bitstream buffer comes from. Without
        /// one the encoder only reads the captures (the bitstream is not modelled).
        public var bitstreamHeap: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case resolution, frameRate = "frame_rate", buffers, heap, bitstreamHeap = "bitstream_heap"
        }

        public init(resolution: Resolution, frameRate: UInt32, buffers: UInt32, heap: String? = nil, bitstreamHeap: String? = nil) {
            self.resolution = resolution
            self.frameRate = frameRate
            self.buffers = buffers
            self.heap = heap
            self.bitstreamHeap = bitstreamHeap
        }
    }

    public struct TrustedUI: Hashable, Sendable, Codable {
        public var resolution: Resolution
        public var frameRate: UInt32
        public var heap: String?

        enum CodingKeys: String, CodingKey, CaseIterable {
            case resolution, frameRate = "frame_rate", heap
        }
    }

    public struct MixedGPU: Hashable, Sendable, Codable {
        public struct Group: Hashable, Sendable, Codable {
            public var priority: UInt8
            public var protected: Bool
            public var jobs: UInt32
            public var jobDuration: ScenarioDuration

            enum CodingKeys: String, CodingKey, CaseIterable {
                case priority, protected, jobs, jobDuration = "job_duration"
            }
        }

        public var groups: [Group]

        enum CodingKeys: String, CodingKey, CaseIterable { case groups }
    }

    public struct Churn: Hashable, Sendable, Codable {
        public var processes: UInt32
        public var operations: UInt32
        /// The heap churned; the design's protected heap when absent.
        public var heap: String?
        /// Largest buffer, e.g. `4MiB`.
        public var maximumSize: ByteCount

        enum CodingKeys: String, CodingKey, CaseIterable {
            case processes, operations, heap, maximumSize = "max_size"
        }
    }

    enum CodingKeys: String, CodingKey { case kind }

    /// The `kind` values, as written in YAML.
    public static let kinds = ["secure-playback", "secure-record", "trusted-ui", "mixed-gpu", "churn", "render-node-client"]

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        switch kind {
        case "secure-playback": self = .securePlayback(try VideoStream(from: decoder))
        case "secure-record": self = .secureRecord(try VideoStream(from: decoder))
        case "trusted-ui": self = .trustedUI(try TrustedUI(from: decoder))
        case "mixed-gpu": self = .mixedGPU(try MixedGPU(from: decoder))
        case "churn": self = .churn(try Churn(from: decoder))
        case "render-node-client": self = .renderNodeClient(try RenderNodeClient(from: decoder))
        default:
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container,
                                                   debugDescription: "unknown workload kind \"\(kind)\"; expected one of \(Self.kinds.joined(separator: ", "))")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .securePlayback(let v): try container.encode("secure-playback", forKey: .kind); try v.encode(to: encoder)
        case .secureRecord(let v): try container.encode("secure-record", forKey: .kind); try v.encode(to: encoder)
        case .trustedUI(let v): try container.encode("trusted-ui", forKey: .kind); try v.encode(to: encoder)
        case .mixedGPU(let v): try container.encode("mixed-gpu", forKey: .kind); try v.encode(to: encoder)
        case .churn(let v): try container.encode("churn", forKey: .kind); try v.encode(to: encoder)
        case .renderNodeClient(let v): try container.encode("render-node-client", forKey: .kind); try v.encode(to: encoder)
        }
    }

    /// The keys a workload of `kind` may carry, for the loader's unknown-key check.
    static func allowedKeys(for kind: String) -> Set<String>? {
        let keys: [String]
        switch kind {
        case "secure-playback": keys = VideoStream.CodingKeys.allCases.filter { $0 != .bitstreamHeap }.map(\.rawValue)
        case "secure-record": keys = VideoStream.CodingKeys.allCases.map(\.rawValue)
        case "trusted-ui": keys = TrustedUI.CodingKeys.allCases.map(\.rawValue)
        case "mixed-gpu": keys = MixedGPU.CodingKeys.allCases.map(\.rawValue)
        case "churn": keys = Churn.CodingKeys.allCases.map(\.rawValue)
        case "render-node-client": keys = RenderNodeClient.CodingKeys.allCases.map(\.rawValue)
        default: return nil
        }
        return Set(keys + ["kind"])
    }
}
