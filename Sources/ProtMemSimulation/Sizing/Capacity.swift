/// What ``CapacitySearch`` found for one scenario under one design: per protected pool, the
/// smallest size that runs the scenario clean, beside what the board sets aside and the peak.
public struct Capacity: Codable, Hashable, Sendable {
    /// One pool's search.
    public struct Pool: Codable, Hashable, Sendable {
        public var name: String
        public var kind: ProtectedPool.Kind
        /// Devices whose buffers the scenario takes from it.
        public var devices: [String]
        /// Each device's own peak in it (``PoolUse/devicePeaks``).
        public var devicePeaks: [PoolUse.DevicePeak]
        /// What the board sets aside for it (0 for memory lent on demand).
        public var reservedBytes: UInt64
        /// The most bytes in use at once at the board's own size.
        public var peakBytes: UInt64
        /// The smallest size, in whole pages, at which the scenario runs clean with every other
        /// pool at the board's size; `nil` when it was not searched (``note`` says why).
        public var minBytes: UInt64?
        /// Why there is no ``minBytes``, or what it stands for (an unused pool counts 0).
        public var note: String?
        /// The run one page below ``minBytes``.
        public var belowMinimum: BelowMinimum?
        /// Runs the search made for this pool.
        public var runs: Int
    }

    /// The run at one page less than the minimum: what failed first, and the pool's free
    /// bytes and largest free extent then (free bytes above the request but no extent as
    /// large is fragmentation).
    public struct BelowMinimum: Codable, Hashable, Sendable {
        public var sizeBytes: UInt64
        public var firstFailure: String
        /// Virtual nanoseconds since the boot.
        public var firstFailureTime: UInt64
        public var freeBytes: UInt64?
        public var largestFreeExtentBytes: UInt64?
    }

    public var scenario: String
    public var board: String
    public var design: String
    /// ``ReservedRegionLayout``'s name; only the reserved-region design depends on it.
    public var reservedRegions: String
    public var seed: UInt64
    /// Whether the run at the board's own sizes is clean (no fault, no violation, no failed
    /// allocation); without that no size is.
    public var clean: Bool
    /// What was wrong at the board's own sizes.
    public var problem: String?
    public var pools: [Pool]
    /// Every pool's ``Pool/reservedBytes`` together.
    public var reservedProtectedBytes: UInt64
    /// Every pool's ``Pool/peakBytes`` together.
    public var peakProtectedBytes: UInt64
    /// Every pool's ``Pool/minBytes`` together (unused pools 0); `nil` when a used pool has
    /// none (``minProtectedNote`` says why).
    public var minProtectedBytes: UInt64?
    public var minProtectedNote: String?
    /// What a region for every device would need at least: each device's own peak in each
    /// pool, added up (a static partition must hold every device's peak in that device's
    /// region, whenever the peaks fall; not bisected, and fragmentation inside a region could
    /// only add to it). Above ``peakProtectedBytes`` when the devices' peaks do not coincide.
    public var perDeviceRegionsAtLeastBytes: UInt64 = 0
    /// Simulation runs the search made in all, the run at the board's sizes included.
    public var runs: Int
}
