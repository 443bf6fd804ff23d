@_spi(CSFHost) import ProtMemCSF
import ProtMemTime

/// What a device event is called in the queue's listing (``EventQueue/pendingLabels``): kept as
/// its parts and formatted only when listed, since the device schedules several events a frame.
/// Plain values (a literal's text is a `StaticString`, a group its number), so an event that
/// carries its label stays plain bits (``PanthorEvent``).
enum PanthorEventLabel: BitwiseCopyable, Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    case text(StaticString)
    case doorbell(Int)
    /// The group last: its four bytes then end the payload, where first they would be padded
    /// to eight (which takes the label to 25 bytes and the event past a payload's 64).
    case jobRun(queue: Int, index: Int, group: UInt32)
    /// The timeout of a host wait: its kind, named only when listed (no string to retain).
    case timeout(HostWaitKind)

    init(stringLiteral value: StaticString) { self = .text(value) }

    /// The run of job `index` on `group`'s `queue`.
    static func job(_ group: GroupHandle, queue: Int, index: Int) -> Self {
        .jobRun(queue: queue, index: index, group: group.rawValue)
    }

    var description: String {
        switch self {
        case .text(let text): "\(text)"
        case .doorbell(let index): "doorbell \(index)"
        case .jobRun(let queue, let index, let group): "job \(group).\(queue).\(index)"
        case .timeout(let wait): "timeout: \(wait.label)"
        }
    }
}

/// What a device event does: one case per step the device schedules, rather than a closure,
/// so an event carries only plain values (nothing to retain, release or call through), and
/// the steps that carry values of their own (a doorbell's index, a job's run, a wait's id)
/// allocate no closure context.
enum PanthorEventBody: BitwiseCopyable, Sendable {
    /// The threaded IRQ handlers (``PanthorCore/handleInterrupts()``).
    case interrupts
    /// A scheduler tick (``PanthorCore/runTick()``).
    case tick
    /// The periodic tick fires (``PanthorCore/periodicTickFired()``).
    case periodicTick
    /// The firmware's switch into protected mode ends
    /// (``CSFFirmware/activateProtectedMode(now:gpu:)``).
    case protectedModeSwitch
    /// A scheduled reset starts (``PanthorCore/performReset()``).
    case reset
    /// A reset's time is up (``PanthorCore/finishReset()``).
    case resetDone
    /// The firmware looks at doorbell `index` (``CSFFirmware/doorbell(_:now:gpu:)``).
    case doorbell(Int)
    /// The job run `token` on a stream ends (``CSFFirmware/complete(slot:stream:token:now:gpu:)``).
    case jobDone(slot: Int, stream: Int, token: UInt64)
    /// Host wait `id` times out (``PanthorCore/waitTimedOut(_:)``).
    case waitTimeout(Int)
}

/// One scheduled device event: everything its step and label need, as plain values the queue
/// keeps in its slab and hands back to the device's ``OwnerReference`` when due
/// (``ScheduledEventHandler``), so scheduling one allocates nothing and running it retains
/// nothing.
///
/// The fields are in this order for size: the body (25 bytes) with the flag in its tail
/// padding, the label (21 bytes), then the epoch: 64 bytes in all, one payload, one cache line
/// of the queue's slab (another order takes 72). A copy of a size that is a multiple of 8 is
/// whole 16- and 8-byte moves, each of which the processor can forward from the store that
/// wrote it.
struct PanthorEvent: BitwiseCopyable, Sendable {
    let body: PanthorEventBody
    let survivesReset: Bool
    let label: PanthorEventLabel
    let epoch: UInt64

    init(label: PanthorEventLabel, epoch: UInt64, survivesReset: Bool, body: PanthorEventBody) {
        self.body = body
        self.survivesReset = survivesReset
        self.label = label
        self.epoch = epoch
    }
}

extension OwnerReference: ScheduledEventHandler {
    /// Runs the event's step on the core under the device's lock, unless the device is gone
    /// (no core), unplugged, or reset since (for an event that does not survive resets); then
    /// completes waits that now hold.
    func run(_ event: PanthorEvent) {
        core.withLock { $0?.run(event) }
    }

    func label(of event: PanthorEvent) -> String { "\(deviceName): \(event.label)" }
}

extension PanthorCore {
    /// One event's step (see ``OwnerReference/run(_:)``).
    @inline(__always)
    mutating func run(_ event: PanthorEvent) {
        guard !unplugged, event.survivesReset || epoch == event.epoch else { return }
        switch event.body {
        case .interrupts: handleInterrupts()
        case .tick: runTick()
        case .periodicTick: periodicTickFired()
        case .protectedModeSwitch:
            mcu.activateProtectedMode(now: now, gpu: &gpu)
            carryOutFirmwareActions()
        case .reset: performReset()
        case .resetDone: finishReset()
        case .doorbell(let index):
            mcu.doorbell(index, now: now, gpu: &gpu)
            carryOutFirmwareActions()
        case .jobDone(let slot, let stream, let token):
            mcu.complete(slot: slot, stream: stream, token: token, now: now, gpu: &gpu)
            carryOutFirmwareActions()
        case .waitTimeout(let id): waitTimedOut(id)
        }
        settle()
    }
}
