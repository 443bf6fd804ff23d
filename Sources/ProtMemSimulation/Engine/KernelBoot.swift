import ProtMemBoard
import ProtMemPanthor
import Synchronization

/// The boot a run begins with: the board's heap providers and the GPU come up in a
/// ``ProbeOrder`` through the driver core's deferred probing, so a design's probe behaviour
/// (its probe deferring for a missing heap, the driver core holding it for a device-link
/// supplier, a region taken at once) is measured rather than described.
struct KernelBoot {
    let board: Board
    let order: ProbeOrder
    /// The heap device a device link makes the GPU wait for (the heap-device design): its node
    /// path and the heap it exports.
    let supplier: (path: String, heap: String)?
    let gpuName: String
    /// Heaps whose module never loads, and providers that never come up.
    var unavailableHeaps: Set<String> = []
    var unavailableProviders: Set<HeapProvider> = []
    let makeGPU: @Sendable () throws(SimulationError) -> PanthorDevice

    struct Outcome {
        let gpu: PanthorDevice
        /// Every step, in order, as the report prints it.
        let steps: [String]
        /// Attempts that did not bind: the probe's own `EPROBE_DEFER`s and the driver core's
        /// waits for a supplier.
        let deferrals: Int
        /// Every probe attempt the driver core made or held, the bind included.
        let attempts: Int
        /// One line: how the probe was deferred and what brought the GPU up.
        let summary: String
    }

    func run(designName: String) throws(SimulationError) -> Outcome {
        // A boot: no bind retries anything until late_initcall enables deferred probing.
        let queue = DeferredProbeQueue(deferredProbingEnabled: false)
        let device = GPUPlatformDevice(name: gpuName, make: makeGPU)
        var steps: [String] = []
        var boundBy: String?
        var seenAttempts = 0

        /// The driver's reason without the device's name, which it starts with and the step
        /// already gives.
        func reason(_ error: PanthorError, of device: String) -> String {
            error.reason.hasPrefix("\(device): ") ? String(error.reason.dropFirst(device.count + 2)) : error.reason
        }

        /// Writes down the probe attempts made since the last call; notes what bound the GPU.
        func logAttempts(_ trigger: String) throws(SimulationError) {
            let attempts = queue.attempts
            for attempt in attempts[seenAttempts...] {
                switch attempt.outcome {
                case .bound:
                    steps.append("\(attempt.device): bound" + (device.device?.protectedModeOff.map { " without protected mode (\($0))" } ?? ""))
                    boundBy = trigger
                case .deferred(let error):
                    steps.append("\(attempt.device): probe deferred (EPROBE_DEFER): \(reason(error, of: attempt.device))")
                case .waitingForSupplier(let name):
                    steps.append("\(attempt.device): deferred by the driver core: wait for supplier \(name) (probe not called)")
                case .failed(let error):
                    steps.append("\(attempt.device): probe failed (\(error.errno.name)): \(reason(error, of: attempt.device)); not retried")
                    throw SimulationError(device.creationError ?? "the GPU did not come up under the \(designName) design; the boot: \(steps.joined(separator: "; "))")
                }
            }
            seenAttempts = attempts.count
        }

        let link = supplier.map { supplier in
            DeferredProbeQueue.Supplier(name: supplier.path) { [heaps = board.heaps] in heaps.names.contains(supplier.heap) }
        }
        for step in order.steps {
            switch step {
            case .gpu:
                queue.probe(device, supplier: link)
                try logAttempts("at once")
            case .provider(let provider):
                guard isPresent(provider) else { continue }
                if unavailableProviders.contains(provider) {
                    steps.append("\(provider): never comes up (unavailable_providers): no device binds, no heap registers")
                    continue
                }
                let names: [String]
                do {
                    names = try board.registerHeaps(of: provider, except: unavailableHeaps)
                } catch {
                    throw SimulationError("\(error)")
                }
                let never = board.unregisteredHeaps.filter { $0.provider == provider && unavailableHeaps.contains($0.name) }.map(\.name)
                if !never.isEmpty { steps.append("\(provider): \(never.joined(separator: ", ")) never registers (unavailable_heaps: its module never loads)") }
                // A provider binds its own device; module-init heaps bind none, except the heap
                // device a device link names, which binds when its heap is up.
                let supplierBound = supplier.map { names.contains($0.heap) } == true
                steps.append("\(provider): " + (names.isEmpty ? "registered no heap" : "registered \(names.joined(separator: ", "))")
                             + (provider.bindsDevice ? "; its device bound" : "")
                             + (supplierBound ? "; \(supplier?.path ?? "") bound" : ""))
                let bound = provider.bindsDevice ? "\(provider)" : supplierBound ? supplier?.path : nil
                if let bound, queue.deviceBound() {
                    steps.append("driver core: deferred probes retried (\(bound) bound)")
                    try logAttempts("when \(bound) bound")
                }
            case .lateInitcall:
                if queue.lateInitcall() {
                    steps.append("late_initcall: deferred probing enabled, deferred probes retried")
                    try logAttempts("at late_initcall")
                }
            }
        }
        let attempts = queue.attempts
        let probeDeferrals = attempts.filter { if case .deferred = $0.outcome { true } else { false } }.count
        let supplierWaits = attempts.filter { if case .waitingForSupplier = $0.outcome { true } else { false } }.count
        guard let gpu = device.device, let boundBy else {
            let why = attempts.last.map { "\($0.outcome)" } ?? "never probed"
            throw SimulationError("the GPU did not come up under the \(designName) design: \(why)")
        }
        var parts: [String] = []
        if probeDeferrals > 0 { parts.append("deferred \(probeDeferrals)× (EPROBE_DEFER from its probe)") }
        if supplierWaits > 0, let supplier { parts.append("deferred \(supplierWaits)× by the driver core (wait for supplier \(supplier.path))") }
        parts.append("bound \(boundBy)" + (gpu.protectedModeOff != nil ? " without protected mode" : ""))
        return Outcome(gpu: gpu, steps: steps, deferrals: probeDeferrals + supplierWaits, attempts: attempts.count, summary: parts.joined(separator: "; "))
    }

    /// Whether the board has the provider's driver at all.
    private func isPresent(_ provider: HeapProvider) -> Bool {
        switch provider {
        case .dmaBufHeaps: true
        case .armFFA: board.ffaDriver != nil
        case .optee: board.teeDriver != nil
        }
    }
}

/// The GPU's platform device as the driver core sees it: the Panthor device is made on the
/// first probe the driver core actually calls (the heap-device design resolves its phandle
/// then, so a device-link consumer is never made before its supplier is bound).
private final class GPUPlatformDevice: ProbeableDevice, Sendable {
    let name: String
    private let make: @Sendable () throws(SimulationError) -> PanthorDevice

    /// What the probes made: touched by the driver core's probes, which the boot runs on its
    /// one thread, and read by the boot after them. The lock is let go before the device is
    /// made or probed.
    private struct State {
        var device: PanthorDevice?
        /// Why making the device failed, in the simulation's words.
        var creationError: String?
    }
    private let state = Mutex(State())

    var device: PanthorDevice? { state.withLock { $0.device } }
    /// Why making the device failed, in the simulation's words.
    var creationError: String? { state.withLock { $0.creationError } }

    init(name: String, make: @escaping @Sendable () throws(SimulationError) -> PanthorDevice) {
        self.name = name
        self.make = make
    }

    func probe() throws(PanthorError) {
        let device: PanthorDevice
        if let made = self.device {
            device = made
        } else {
            do {
                device = try make()
            } catch {
                state.withLock { $0.creationError = error.description }
                throw PanthorError(.noSuchDevice, error.description)
            }
            state.withLock { $0.device = device }
        }
        try device.probe()
    }
}
