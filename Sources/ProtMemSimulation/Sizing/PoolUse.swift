import ProtMemBoard
import ProtMemHeaps
import ProtMemMemory
import ProtMemTEE

/// A protected pool as one run used it.
public struct PoolUse: Codable, Hashable, Sendable {
    public var pool: ProtectedPool
    /// The most bytes in use at once, from the boot until the scenario's time was up.
    public var peakBytes: UInt64
    /// The devices whose buffers the scenario takes from it (from the workloads and the
    /// design: who allocates there, not who only reads).
    public var devices: [String]
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

extension Scenario {
    /// Which devices take buffers from which heap or region, by its name: each workload's
    /// devices from the heap it names (else `defaultHeap`), and the GPU driver's own protected
    /// memory (firmware sections, suspend buffers) from `gpuPool`.
    func protectedUsers(defaultHeap: String, gpuPool: String?) -> [String: [String]] {
        var users: [String: Set<String>] = [:]
        if let gpuPool { users[gpuPool, default: []].insert("gpu") }
        for workload in workloads {
            switch workload {
            case .securePlayback(let stream):
                users[stream.heap ?? defaultHeap, default: []].formUnion(["codec", "gpu", "display"])
            case .secureRecord(let stream):
                users[stream.heap ?? defaultHeap, default: []].formUnion(["camera", "codec"])
                if let bitstream = stream.bitstreamHeap { users[bitstream, default: []].insert("codec") }
            case .trustedUI(let ui):
                users[ui.heap ?? defaultHeap, default: []].formUnion(["gpu", "display"])
            case .churn(let churn):
                users[churn.heap, default: []].insert("userspace (churn)")
            case .renderNodeClient(let client):
                users[client.heap ?? defaultHeap, default: []].insert("userspace (render-node client)")
            case .mixedGPU:
                break
            }
        }
        return users.mapValues { $0.sorted() }
    }
}
