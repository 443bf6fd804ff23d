import ProtMemBoard
import ProtMemHeaps
import ProtMemMemory
import ProtMemTEE

/// A protected pool as one run used it.
public struct PoolUse: Codable, Hashable, Sendable {
    public var pool: ProtectedPool
    /// The most bytes in use at once, from the boot until the scenario's time was up.
    public var peakBytes: UInt64
    /// Each device's own peak, by device name: whose buffers they are (``DeviceUse``). The
    /// devices' peaks need not fall at the same moment, so they may add up to more than
    /// ``peakBytes``.
    public var devicePeaks: [DevicePeak]

    public struct DevicePeak: Codable, Hashable, Sendable {
        public var device: String
        public var peakBytes: UInt64
    }

    /// The devices that took buffers from it.
    public var devices: [String] { devicePeaks.map(\.device) }
}

extension [PoolUse] {
    /// Every device's own peak in every pool, added up (``Capacity/perDeviceRegionsAtLeastBytes``).
    var perDeviceRegionsAtLeastBytes: UInt64 { reduce(0) { $0 + $1.devicePeaks.reduce(0) { $0 + $1.peakBytes } } }
}

extension Simulation {
    /// Each searchable pool's free bytes and largest free extent now, on `board`.
    static func poolStates(_ board: Board, pools: [ProtectedPool], region: GPURegionUse?) -> [FirstFailure.PoolState] {
        pools.compactMap { pool in
            let extents: [PhysicalRange]?
            switch pool.kind {
            case .carveout: extents = board.carveoutHeaps.first { $0.name == pool.name }?.freeExtents
            case .opteeStaticPool: extents = board.teeHeaps.lazy.compactMap { $0.pool as? TEEStaticPool }.first?.freeExtents
            case .gpuMemoryRegion: extents = region?.name == pool.name ? region?.freeExtents() : nil
            case .opteeDynamicPool, .hypervisorLend, .mediatekRestricted: extents = nil
            }
            guard let extents else { return nil }
            return FirstFailure.PoolState(pool: pool.name, freeBytes: extents.reduce(0) { $0 + $1.size },
                                          largestFreeExtentBytes: extents.map(\.size).max() ?? 0)
        }
    }
}
