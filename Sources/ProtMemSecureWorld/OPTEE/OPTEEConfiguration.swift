@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE

/// How a board's OP-TEE provides protected memory, and to whom each use case grants access.
public struct OPTEEConfiguration: Sendable {
    /// A static protected range (the SMC ABI's `GET_PROTMEM_CONFIG`): protected at boot,
    /// for `useCase`.
    public struct StaticPool: Sendable {
        public var range: PhysicalRange
        public var useCase: ProtectedMemoryUseCase
        public init(range: PhysicalRange, useCase: ProtectedMemoryUseCase = .secureVideoPlay) {
            self.range = range
            self.useCase = useCase
        }
    }

    /// Dynamic protected memory: the normal world lends memory (`LEND_PROTMEM`) of at least
    /// `minimumSize` bytes, aligned to `alignment`.
    public struct DynamicPool: Sendable {
        public var minimumSize: UInt64
        public var alignment: UInt64
        public init(minimumSize: UInt64, alignment: UInt64 = pageSize) {
            self.minimumSize = minimumSize
            self.alignment = alignment
        }
    }

    /// Masters that may read and write a use case's protected memory, besides the secure CPU.
    public struct Grant: Sendable, Hashable {
        public var readers: [BusMaster]
        public var writers: [BusMaster]
        public init(readers: [BusMaster], writers: [BusMaster]) {
            self.readers = readers
            self.writers = writers
        }
    }

    public var staticPool: StaticPool?
    public var dynamicPool: DynamicPool?
    /// The physical-address width OP-TEE reports (`a3` of `GET_PROTMEM_CONFIG`).
    public var physicalAddressWidth: UInt64
    public var grants: [ProtectedMemoryUseCase: Grant]

    public init(staticPool: StaticPool? = nil, dynamicPool: DynamicPool? = nil, physicalAddressWidth: UInt64 = 40,
                grants: [ProtectedMemoryUseCase: Grant] = OPTEEConfiguration.defaultGrants) {
        self.staticPool = staticPool
        self.dynamicPool = dynamicPool
        self.physicalAddressWidth = physicalAddressWidth
        self.grants = grants
    }

    /// Who needs each use case: playback is decoded by the codec, composed by the protected
    /// GPU and scanned out by the display; trusted UI is drawn by the protected GPU and
    /// scanned out; record is written by the camera and read by the encoder.
    public static let defaultGrants: [ProtectedMemoryUseCase: Grant] = [
        .secureVideoPlay: Grant(readers: [.gpuProtected, .codec, .display], writers: [.gpuProtected, .codec]),
        .trustedUI: Grant(readers: [.gpuProtected, .display], writers: [.gpuProtected]),
        .secureVideoRecord: Grant(readers: [.codec, .gpuProtected], writers: [.camera, .gpuProtected]),
    ]
}
