import ProtMemDMABuf
import Synchronization

/// Each device's peak use of each protected pool: whose buffers they are, measured as the
/// run goes rather than read off the scenario. A buffer belongs to whoever allocated it (a
/// workload names its device, a churn its process), else to the device it is attached to by
/// the end of the event that made it (the GPU's own firmware and suspend buffers), else to
/// "userspace" (a process's allocation nobody attached). Counted from the boot until the
/// scenario's time is up, as the heap peaks are.
final class DeviceUse: Sendable {
    private struct Held {
        let pool: String
        let size: UInt64
        var owner: String?
        /// Kept until the buffer has an owner, to ask what it is attached to.
        var buffer: DMABuf?
    }
    private struct State {
        var held: [UInt64: Held] = [:]
        /// Inodes exported and not yet owned, in export order: empty after most events, so
        /// the walk after each event costs nothing then.
        var unclaimed: [UInt64] = []
        var current: [String: [String: UInt64]] = [:]
        var peaks: [String: [String: UInt64]] = [:]
        var frozen = false
        /// Device names whose buffers count as another's (the GPU's platform device as "gpu").
        var aliases: [String: String] = [:]

        mutating func add(_ size: UInt64, pool: String, owner: String) {
            let now = current[pool, default: [:]][owner, default: 0] + size
            current[pool, default: [:]][owner] = now
            if !frozen, now > peaks[pool, default: [:]][owner, default: 0] { peaks[pool, default: [:]][owner] = now }
        }
    }
    private let pools: Set<String>
    private let state = Mutex(State())

    /// `pools`: the heap names to follow.
    init(pools: Set<String>) {
        self.pools = pools
    }

    func alias(_ device: String, as name: String) {
        state.withLock { $0.aliases[device] = name }
    }

    func exported(_ buffer: DMABuf) {
        guard let pool = buffer.heapName, pools.contains(pool) else { return }
        let inode = buffer.inode, size = buffer.size
        state.withLock { state in
            state.held[inode] = Held(pool: pool, size: size, buffer: buffer)
            state.unclaimed.append(inode)
        }
    }

    /// Whoever allocated the buffer names its owner.
    func claimed(_ buffer: DMABuf, by owner: String) {
        let inode = buffer.inode
        state.withLock { state in
            guard var held = state.held[inode], held.owner == nil else { return }
            held.owner = owner
            held.buffer = nil
            state.held[inode] = held
            state.add(held.size, pool: held.pool, owner: owner)
        }
    }

    /// After an event: buffers nobody claimed go to the device they are attached to.
    /// The buffers are asked with the lock let go.
    func attributeUnclaimed() {
        let pending = state.withLock { state -> [(UInt64, DMABuf)]? in
            guard !state.unclaimed.isEmpty else { return nil }
            defer { state.unclaimed = [] }
            return state.unclaimed.compactMap { inode in state.held[inode]?.buffer.map { (inode, $0) } }
        }
        guard let pending else { return }
        let owners = pending.map { inode, buffer in (inode, buffer.attachedDevices.first?.name) }
        state.withLock { state in
            for (inode, device) in owners {
                guard var held = state.held[inode], held.owner == nil else { continue }
                let owner = device.map { state.aliases[$0] ?? $0 } ?? "userspace"
                held.owner = owner
                held.buffer = nil
                state.held[inode] = held
                state.add(held.size, pool: held.pool, owner: owner)
            }
        }
    }

    func released(_ buffer: DMABuf) {
        let inode = buffer.inode
        state.withLock { state in
            guard let held = state.held.removeValue(forKey: inode), let owner = held.owner else { return }
            state.current[held.pool, default: [:]][owner, default: 0] -= held.size
        }
    }

    /// The scenario's time is up: what happens after (the teardown) is not peak use.
    func freeze() { state.withLock { $0.frozen = true } }

    /// Each device's peak in `pool`, by device name.
    func peaks(of pool: String) -> [String: UInt64] { state.withLock { $0.peaks[pool] ?? [:] } }
}
