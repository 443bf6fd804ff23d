/// How the scheduler takes the GPU into protected mode: the January 2025 RFC, "[PATCH 7/8]
/// drm/panthor: Add support for entering and exiting protected mode" (v1, 5 May 2026) as
/// posted, or that patch with the changes Boris Brezillon asked for in its review
/// (`20260506105145.6f25181d@fedora`). A board or scenario picks one (`protm_scheduling`).
///
/// The three differ where the argument is: which group a tick takes protected, what the tick
/// leaves on the GPU while it does, and who pays when the switch fails.
public enum ProtectedModeScheduling: String, Hashable, Sendable, CaseIterable, CustomStringConvertible {
    /// RFC patch 5: the group at `MAX_CSG_PRIO` with pending protected queues is acknowledged,
    /// then `GLB_PROTM_ENTER`; never while the GPU is protected for another group. A timed-out
    /// entry fails every CSG update of the tick.
    case rfc
    /// Patch 7 as posted: `tick_work` makes the first group of the highest non-empty priority
    /// the tick's `protm_group` whether or not it has protected work (the loop has no
    /// `protm_pending_queues` test), so every tick that schedules a runnable group sends
    /// `GLB_PROTM_ENTER` (nor is protected memory tested there). While it does, the tick fills
    /// free slots only with idle groups already on a slot at that priority or below. Entry
    /// waits for the acknowledgement (4000 ms); a timeout resets the GPU and fails every CSG
    /// update (`csg_upd_failed_mask = U32_MAX`). A `CS_PROTM_PENDING` without protected memory
    /// is dropped: the job stays blocked.
    ///
    /// The patch then polls `GPU_STATUS_PROTM_ACTIVE` (or a pending `GLB_PROTM_EXIT`) for
    /// 500 ms; the model's firmware acknowledges `GLB_PROTM_ENTER` only once the status bit is
    /// up, so that poll always ends at once here. What a firmware does with a
    /// `GLB_PROTM_ENTER` for a group with no protected work is the model's assumption, stated
    /// so a run's numbers can be judged by it: it switches (after the normal jobs running
    /// finish), finds nothing to run protected, and leaves at once with `GLB_PROTM_EXIT`;
    /// without its protected sections in place the switch faults.
    case seriesV1 = "series-v1"
    /// Patch 7 with its review applied: the top group becomes `protm_group` only when it has
    /// pending protected queues (`if (group->protm_pending_queues)`); a `CS_PROTM_PENDING`
    /// without protected memory makes that queue fatal, so the group is scheduled out at once;
    /// a failed entry fails only the group that asked (`csg_upd_failed_mask |=
    /// BIT(protm_group->csg_id)`).
    case seriesV1Reviewed = "series-v1-reviewed"

    public var description: String { rawValue }

    /// Whether the tick chooses its protected group as patch 7 does, before the idle groups are
    /// picked (the RFC decides at acknowledgement time instead).
    var choosesProtectedGroupInTick: Bool { self != .rfc }
}
