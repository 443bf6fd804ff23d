@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

/// A wait of the driver on the firmware (`panthor_fw_glb_wait_acks`, `csgs_upd_ctx_apply_locked`):
/// a condition on the interface pages, checked after every firmware step, with a timeout in
/// virtual time. The kernel sleeps; the model keeps which wait it is, and the core knows what
/// each kind waits for and does next (``PanthorCore/waitHolds(_:)``,
/// ``PanthorCore/completeWait(_:timedOut:)``): the driver has only these few waits, a few a
/// frame, so naming them costs nothing where a pair of closures was allocated for each.
struct HostWait {
    let id: Int
    let kind: HostWaitKind
    /// Its timeout event, cancelled when the wait completes first.
    let timeout: ScheduledEventID
}

/// The driver's waits on the firmware.
enum HostWaitKind {
    /// `glb_protm_enter`: `GLB_PROTM_ENTER` acknowledged.
    case protectedModeEnter
    /// A tick's slot updates (``TickState/updating``) acknowledged, then the tick's next step.
    case slotUpdate(TickState.Stage)
    /// `panthor_sched_suspend`: every slot's SUSPEND acknowledged (the slots are
    /// ``TickState/updating``).
    case suspend

    /// The wait's name (and its timeout event's).
    var label: String {
        switch self {
        case .protectedModeEnter: "GLB_PROTM_ENTER"
        case .slotUpdate(let stage): stage.label
        case .suspend: "system suspend: CSG SUSPEND"
        }
    }
}

/// The scheduler's tick bookkeeping (`sched->tick_work` and the tick context in flight).
struct TickState {
    var scheduled = false
    var inProgress = false
    /// A tick was asked for while one ran.
    var requested = false
    /// The periodic tick is armed.
    var periodicArmed = false
    /// The next tick rotates groups of equal priority.
    var rotate = false

    // The tick in flight, kept here rather than captured by the closures of its waits.
    /// The groups that get slots, in pick order (the first at `MAX_CSG_PRIO`); the buffer is
    /// reused from tick to tick. Handles, not the groups: picking, sorting and the eviction
    /// check then retain nothing, and a group destroyed and released while the tick waits is
    /// simply not found (it could not run anyway).
    var picked = PickList()
    /// Patch 7's `ctx.protm_group`: the group this tick takes into protected mode, chosen
    /// after the runnable groups are picked (``ProtectedModeScheduling/seriesV1`` and
    /// ``ProtectedModeScheduling/seriesV1Reviewed`` only).
    var protectedCandidate: GroupHandle?
    /// Slots whose groups step 1 evicts, freed once their requests are acknowledged.
    var evicted = SlotSet()
    /// Slots whose updates the tick waits for.
    var updating = SlotSet()
    var stage = Stage.evictAndReprioritise

    /// Which slot update the tick waits for, and so what comes after it.
    enum Stage {
        /// Step 1; then unbind the evicted groups and bind new ones.
        case evictAndReprioritise
        /// Step 2; then enter protected mode if a `CS_PROTM_PENDING` was acknowledged.
        case startGroups

        /// The wait's name.
        var label: String {
            switch self {
            case .evictAndReprioritise: "tick: evict and reprioritise"
            case .startGroups: "tick: start groups"
            }
        }
    }
}

/// A group a tick picked: its handle, and what its place in the pick order is sorted by (its
/// priority; among idle groups of one priority, whether it already had a slot).
struct PickedGroup {
    let handle: GroupHandle
    let priority: GroupPriority
    var onSlot = false
}

/// Which groups a reset fails.
enum ResetVictims {
    /// Every group on a slot (the enter timeout's `csg_upd_failed_mask = U32_MAX`).
    case everyBoundGroup(GroupFailure)
    /// These groups only; others on slots are suspended and resume after the reset.
    case groups(Set<GroupHandle>, GroupFailure)
}

struct ResetState {
    let reason: String
    var victims: ResetVictims
}
