import ProtMemTime

/// What a device event is called in the queue's listing (``EventQueue/pendingLabels``): kept as
/// its parts and formatted only when listed, since the device schedules several events a frame.
enum PanthorEventLabel: Sendable, ExpressibleByStringLiteral, CustomStringConvertible {
    case text(String)
    case doorbell(Int)
    case job(GroupHandle, queue: Int, index: Int)
    /// The timeout of a host wait.
    case timeout(String)

    init(stringLiteral value: String) { self = .text(value) }

    var description: String {
        switch self {
        case .text(let text): text
        case .doorbell(let index): "doorbell \(index)"
        case .job(let group, let queue, let index): "job \(group.rawValue).\(queue).\(index)"
        case .timeout(let wait): "timeout: \(wait)"
        }
    }
}

/// One scheduled device event: everything its action and label need, in one object that the
/// queue keeps as the event itself (``ScheduledAction``), so scheduling allocates only it.
final class PanthorEvent: ScheduledAction {
    let owner: OwnerReference
    let deviceName: String
    let label: PanthorEventLabel
    let epoch: UInt64
    let survivesReset: Bool
    let body: @Sendable (PanthorCore) -> Void

    init(owner: OwnerReference, deviceName: String, label: PanthorEventLabel, epoch: UInt64, survivesReset: Bool,
         body: @escaping @Sendable (PanthorCore) -> Void) {
        self.owner = owner
        self.deviceName = deviceName
        self.label = label
        self.epoch = epoch
        self.survivesReset = survivesReset
        self.body = body
    }

    /// Runs the body under the device's lock, unless the device is gone, unplugged, or reset
    /// since (for an event that does not survive resets); then completes waits that now hold.
    func run() {
        owner.device?.withCore { core in
            guard !core.unplugged, survivesReset || core.epoch == epoch else { return }
            body(core)
            core.settle()
        }
    }

    var scheduledLabel: String { "\(deviceName): \(label)" }
}
