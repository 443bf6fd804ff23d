import ProtMemTime

/// What the firmware model reports about itself and how fast it answers: per-GPU facts that a
/// real firmware publishes in its control pages, and latencies the model chooses.
///
/// None of the latencies is measured; they are small fixed values so that virtual-time
/// traces read naturally (microseconds for acknowledgements, a millisecond for a reset).
public struct CSFParameters: Hashable, Sendable {
    /// `MIN_CSGS` and `MAX_CSGS`.
    public static let groupSlotRange = 3...31
    /// `MIN_CS_PER_CSG` and `MAX_CS_PER_CSG`.
    public static let streamRange = 8...32

    /// CSG slots (`group_num`), 3...31.
    public var groupSlots: Int
    /// CS slots per CSG (`stream_num`), 8...32.
    public var streamsPerGroup: Int
    /// `suspend_size`: the normal suspend buffer per group. Not known for any real GPU from
    /// public sources; 32 KiB is the model's choice.
    public var suspendSize: UInt32
    /// `protm_suspend_size`: the protected suspend buffer per group. Not known for any real
    /// GPU from public sources (the firmware reports it at boot); 64 KiB is the model's choice,
    /// a documented per-GPU parameter. Must be a whole number of pages.
    public var protectedSuspendSize: UInt32
    /// The interface version the firmware model reports, `CSF_IFACE_VERSION(1, 1, 0)`.
    public var interfaceVersion: UInt32
    /// From a doorbell to the firmware acting on it.
    public var acknowledgeLatency: VirtualDuration
    /// From `GLB_PROTM_ENTER` to protected mode being active.
    public var protectedModeEntryLatency: VirtualDuration
    /// How long a GPU reset takes, from scheduling it to the firmware booting again.
    public var resetDuration: VirtualDuration

    public init(groupSlots: Int = 8, streamsPerGroup: Int = 8, suspendSize: UInt32 = 0x8000, protectedSuspendSize: UInt32 = 0x10000,
                interfaceVersion: UInt32 = GlobalControl.interfaceVersion(major: 1, minor: 1, patch: 0),
                acknowledgeLatency: VirtualDuration = .microseconds(5), protectedModeEntryLatency: VirtualDuration = .microseconds(50),
                resetDuration: VirtualDuration = .milliseconds(1)) {
        self.groupSlots = groupSlots
        self.streamsPerGroup = streamsPerGroup
        self.suspendSize = suspendSize
        self.protectedSuspendSize = protectedSuspendSize
        self.interfaceVersion = interfaceVersion
        self.acknowledgeLatency = acknowledgeLatency
        self.protectedModeEntryLatency = protectedModeEntryLatency
        self.resetDuration = resetDuration
    }

    /// `nil` when the parameters are usable, else what is wrong.
    public var problem: String? {
        if !Self.groupSlotRange.contains(groupSlots) { return "group slots \(groupSlots) outside \(Self.groupSlotRange)" }
        if !Self.streamRange.contains(streamsPerGroup) { return "streams per group \(streamsPerGroup) outside \(Self.streamRange)" }
        for (name, size) in [("suspend_size", suspendSize), ("protm_suspend_size", protectedSuspendSize)]
        where size == 0 || UInt64(size) % GPUAddressSpaceLayout.pageSize != 0 {
            return "\(name) \(size) is not a non-zero whole number of pages"
        }
        return nil
    }
}
