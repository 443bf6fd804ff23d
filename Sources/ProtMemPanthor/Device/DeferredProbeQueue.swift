import ProtMemDMABuf
import Synchronization

/// A device the driver core can probe.
public protocol ProbeableDevice: AnyObject, Sendable {
    var name: String { get }
    func probe() throws(PanthorError)
}

extension PanthorDevice: ProbeableDevice {}

/// The driver core's deferred-probe list (`deferred_probe_pending_list`): a probe that answers
/// `EPROBE_DEFER` is kept and tried again whenever another device binds
/// (`driver_deferred_probe_trigger`) and once more at `late_initcall`.
public final class DeferredProbeQueue: Sendable {
    /// What one probe attempt came to.
    public enum Outcome: Sendable, CustomStringConvertible {
        case bound
        case deferred(PanthorError)
        case failed(PanthorError)

        public var description: String {
            switch self {
            case .bound: "bound"
            case .deferred(let error): "deferred: \(error)"
            case .failed(let error): "failed: \(error)"
            }
        }
    }

    private let pendingDevices = Mutex<[any ProbeableDevice]>([])
    private let log = Mutex<[(device: String, outcome: Outcome)]>([])

    /// A queue retried whenever `heaps` registers a heap: a shortcut for a board where the
    /// only binding that matters is the heap's.
    public init(heaps: DMAHeapRegistry) {
        heaps.onAdd { [weak self] _ in self?.retry() }
    }

    /// A queue retried only when the caller says a device bound or `late_initcall` ran, as the
    /// driver core does: a heap registered from a module's init triggers nothing by itself.
    public init() {}

    /// Probes `device` now; a deferral keeps it for the next trigger.
    @discardableResult
    public func probe(_ device: any ProbeableDevice) -> Outcome {
        let outcome = attempt(device)
        if case .deferred = outcome { pendingDevices.withLock { $0.append(device) } }
        return outcome
    }

    /// `driver_deferred_probe_trigger`: tries every deferred device again, in the order they
    /// deferred; those that bind or fail for good leave the list.
    public func retry() {
        let devices = pendingDevices.withLock { pending -> [any ProbeableDevice] in
            defer { pending = [] }
            return pending
        }
        var still: [any ProbeableDevice] = []
        for device in devices {
            if case .deferred = attempt(device) { still.append(device) }
        }
        pendingDevices.withLock { $0.insert(contentsOf: still, at: 0) }
    }

    /// Names of the devices waiting for a retry.
    public var pending: [String] { pendingDevices.withLock { $0.map(\.name) } }

    /// Every attempt, in order.
    public var attempts: [(device: String, outcome: Outcome)] { log.withLock { $0 } }

    private func attempt(_ device: any ProbeableDevice) -> Outcome {
        let outcome: Outcome
        do {
            try device.probe()
            outcome = .bound
        } catch where error.errno == .probeDefer {
            outcome = .deferred(error)
        } catch {
            outcome = .failed(error)
        }
        log.withLock { $0.append((device.name, outcome)) }
        return outcome
    }
}
