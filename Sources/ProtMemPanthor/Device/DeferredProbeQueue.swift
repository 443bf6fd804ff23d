import ProtMemDMABuf
import Synchronization

/// A device the driver core can probe.
public protocol ProbeableDevice: AnyObject, Sendable {
    var name: String { get }
    func probe() throws(PanthorError)
}

extension PanthorDevice: ProbeableDevice {}

/// The driver core's deferred probing (`drivers/base/dd.c`): a device whose probe answers
/// `EPROBE_DEFER`, or whose device-link supplier is not bound yet, waits on
/// `deferred_probe_pending_list` and is tried again on each trigger.
///
/// Triggers are a device binding (`driver_bound`) and `late_initcall`; but
/// `driver_deferred_probe_trigger` does nothing until `deferred_probe_initcall` has set
/// `driver_deferred_probe_enable` at `late_initcall`, so during a built-in boot no bind
/// retries anything: the bulk of drivers probe once, and what deferred is retried at
/// `late_initcall`. After it (a module loaded later), every bind retries the whole list.
public final class DeferredProbeQueue: Sendable {
    /// What one probe attempt came to.
    public enum Outcome: Sendable, CustomStringConvertible {
        case bound
        /// The driver's probe answered `EPROBE_DEFER`.
        case deferred(PanthorError)
        /// The driver core did not call the probe: a device-link supplier is not bound
        /// (`device_links_check_suppliers`, "wait for supplier").
        case waitingForSupplier(String)
        case failed(PanthorError)

        public var description: String {
            switch self {
            case .bound: "bound"
            case .deferred(let error): "deferred: \(error)"
            case .waitingForSupplier(let supplier): "deferred: wait for supplier \(supplier)"
            case .failed(let error): "failed: \(error)"
            }
        }

        /// Whether the device stays on the deferred list.
        public var isDeferral: Bool {
            switch self {
            case .deferred, .waitingForSupplier: true
            case .bound, .failed: false
            }
        }
    }

    /// A device link's supplier: the consumer is not probed while it is unbound.
    public struct Supplier: Sendable {
        public let name: String
        public let isBound: @Sendable () -> Bool

        public init(name: String, isBound: @escaping @Sendable () -> Bool) {
            self.name = name
            self.isBound = isBound
        }
    }

    private struct Waiting: Sendable {
        let device: any ProbeableDevice
        let supplier: Supplier?
    }

    private struct State {
        var pending: [Waiting] = []
        var enabled: Bool
        var log: [(device: String, outcome: Outcome)] = []
    }

    private let state: Mutex<State>

    /// `deferredProbingEnabled`: whether `late_initcall` has run (a queue for a system that
    /// has booted, where a module's bind retries at once) or not (a boot in progress).
    public init(deferredProbingEnabled: Bool) {
        state = Mutex(State(enabled: deferredProbingEnabled))
    }

    /// Probes `device` now (`driver_probe_device`), unless `supplier` is not bound; a deferral
    /// keeps it for a later trigger.
    @discardableResult
    public func probe(_ device: any ProbeableDevice, supplier: Supplier? = nil) -> Outcome {
        let waiting = Waiting(device: device, supplier: supplier)
        let outcome = attempt(waiting)
        if outcome.isDeferral { state.withLock { $0.pending.append(waiting) } }
        return outcome
    }

    /// `driver_bound` → `driver_deferred_probe_trigger`: retries every deferred device, once
    /// deferred probing is enabled. Returns whether it retried anything.
    @discardableResult
    public func deviceBound() -> Bool {
        guard state.withLock({ $0.enabled && !$0.pending.isEmpty }) else { return false }
        retry()
        return true
    }

    /// `deferred_probe_initcall`: enables deferred probing and retries every deferred device,
    /// then once more for what still waits (the kernel's second trigger, after
    /// `initcalls_done`); returns whether anything was waiting.
    @discardableResult
    public func lateInitcall() -> Bool {
        let waiting = state.withLock { state in
            state.enabled = true
            return !state.pending.isEmpty
        }
        guard waiting else { return false }
        retry()
        if state.withLock({ !$0.pending.isEmpty }) { retry() }
        return true
    }

    /// Tries every deferred device again, in the order they deferred; those that bind or fail
    /// for good leave the list, the others keep their order.
    private func retry() {
        let devices = state.withLock { state -> [Waiting] in
            defer { state.pending = [] }
            return state.pending
        }
        var still: [Waiting] = []
        for waiting in devices where attempt(waiting).isDeferral { still.append(waiting) }
        state.withLock { $0.pending.insert(contentsOf: still, at: 0) }
    }

    /// Names of the devices waiting for a retry.
    public var pending: [String] { state.withLock { $0.pending.map(\.device.name) } }

    /// Every attempt, in order.
    public var attempts: [(device: String, outcome: Outcome)] { state.withLock { $0.log } }

    private func attempt(_ waiting: Waiting) -> Outcome {
        let outcome: Outcome
        if let supplier = waiting.supplier, !supplier.isBound() {
            outcome = .waitingForSupplier(supplier.name)
        } else {
            do {
                try waiting.device.probe()
                outcome = .bound
            } catch where error.errno == .probeDefer {
                outcome = .deferred(error)
            } catch {
                outcome = .failed(error)
            }
        }
        state.withLock { $0.log.append((waiting.device.name, outcome)) }
        return outcome
    }
}
