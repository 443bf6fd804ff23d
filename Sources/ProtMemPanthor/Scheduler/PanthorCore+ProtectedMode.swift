@_spi(CSFHost) import ProtMemCSF
/// The driver's half of protected mode (RFC patch 5 and the 2026 series).
extension PanthorCore {
    /// `cs_slot_prog_locked(..., protm_ack)`: acknowledges `CS_PROTM_PENDING` on the group's
    /// pending queues and sets `protm.pending`.
    ///
    /// The acknowledgement copies the `ack` bit into `req`, as every event acknowledgement
    /// under the req/ack protocol does. (The RFC writes a fixed 1 there, which acknowledges
    /// only an odd-numbered event; the 2026 review asked for the acks to move into
    /// panthor_fw.c.)
    mutating func acknowledgeProtectedModePending(_ group: GroupHandle, slot: Int) {
        let mask = groups.update(group) { $0.protectedPendingMask }!
        for stream in gpu.interface.groups[slot].streams.indices where mask & (1 << UInt32(stream)) != 0 {
            gpu.interface.groups[slot].streams[stream].input.req = RequestAcknowledge.update(
                req: gpu.interface.groups[slot].streams[stream].input.req, value: gpu.interface.groups[slot].streams[stream].output.ack,
                mask: StreamRequest.protectedModePending.rawValue)
        }
        groups.update(group) { $0.protectedPendingMask = 0 }
        protectedPending = true
        protectedGroup = group
        record(.protectedModePendingAcknowledged(group, queues: mask))
    }

    /// `glb_protm_enter`, after every slot update of the tick is in: toggle `GLB_PROTM_ENTER`,
    /// ring doorbell 0, wait 4000 ms. On expiry: "FW protm enter timeout, scheduling a reset",
    /// and every CSG update of the tick counts as failed.
    mutating func enterProtectedModeIfPending() {
        guard protectedPending else {
            finishTick()
            return
        }
        gpu.interface.global.input.req = RequestAcknowledge.toggle(req: gpu.interface.global.input.req, ack: gpu.interface.global.output.ack,
                                                         mask: GlobalRequest.protectedModeEnter.rawValue)
        ringDoorbell(GPURegister.globalDoorbell)
        metrics.protectedModeEnterRequests += 1
        record(.protectedModeEnterRequested)
        wait(.protectedModeEnter, timeout: configuration.timeouts.protectedModeEnter)
    }

    /// Whether the firmware has acknowledged `GLB_PROTM_ENTER`.
    @inline(__always)
    var protectedModeEnterAcknowledged: Bool {
        !gpu.interface.global.pendingRequests.contains(.protectedModeEnter)
    }

    /// The end of the `GLB_PROTM_ENTER` wait: acknowledged, or a reset when it timed out.
    mutating func protectedModeEnterWaitEnded(timedOut: Bool) {
        if timedOut {
            metrics.protectedModeEnterTimeouts += 1
            record(.protectedModeEnterTimedOut)
            record(.warning("FW protm enter timeout, scheduling a reset"))
            // The RFC and patch 7 as posted fail every CSG update of the tick; the review fails
            // only the group that asked.
            if configuration.protectedModeScheduling == .seriesV1Reviewed {
                let victims: Set<GroupHandle> = protectedGroup.map { [$0] } ?? []
                scheduleReset("FW protm enter timeout", victims: .groups(victims, .protectedModeEnterTimeout))
            } else {
                scheduleReset("FW protm enter timeout", victims: .everyBoundGroup(.protectedModeEnterTimeout))
            }
        } else {
            protectedPending = false
            record(.protectedModeEnterAcknowledged)
        }
        finishTick()
    }
}
