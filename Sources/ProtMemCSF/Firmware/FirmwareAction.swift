import ProtMemTime

/// What the firmware asks of the system around it in one step, in the order it asked: the
/// device carries each out once the step is over (the firmware never calls the driver).
/// Plain bits, so the list of a step costs no retain or release; the rare payloads that hold
/// references (a fault, a warning's text) wait in ``CSFFirmware/faults`` and
/// ``CSFFirmware/warnings``, in the order of the actions that name them.
package enum FirmwareAction: BitwiseCopyable {
    /// Run `timer` `afterNanoseconds` from now: a later step of the firmware's own (the delay
    /// as its nanoseconds, which are plain bits).
    case schedule(afterNanoseconds: UInt64, FirmwareTimer)
    /// The firmware raised an interrupt line (its bits are set in the registers): the host's
    /// interrupt handler is to run.
    case interrupt
    /// Something happened that the device's trace records.
    case trace(FirmwareTraceEvent)
}

/// A later step of the firmware.
package enum FirmwareTimer: BitwiseCopyable, Sendable {
    /// The switch into protected mode ends (``CSFFirmware/activateProtectedMode(now:gpu:)``).
    case protectedModeSwitch
    /// The run `token` of job `index` of `ring` on a stream ends
    /// (``CSFFirmware/complete(slot:stream:token:now:gpu:)``).
    case jobDone(slot: Int, stream: Int, token: UInt64, ring: RingReference, index: Int)
}

/// What the firmware reports for the device's trace, in its own terms: rings and slots, not
/// the host's groups and jobs.
package enum FirmwareTraceEvent: BitwiseCopyable {
    case jobStarted(RingReference, index: Int, protected: Bool)
    case jobCompleted(RingReference, index: Int)
    /// Its fault is the next of ``CSFFirmware/faults``.
    case jobFailed(RingReference, index: Int)
    /// `GPU_STATUS_PROTM_ACTIVE` went up for the rings of `set` (the first slot's in protected mode).
    case protectedModeEntered(RingSetID)
    case protectedModeExited(ProtectedModeExitReason)
    /// `GPU_IRQ_PROTM_FAULT` was raised.
    case protectedModeFault
    /// Its text is the next of ``CSFFirmware/warnings``.
    case warning
}
