import ProtMemBoard
import ProtMemPanthor

/// The boot a run begins with: the board's heap providers and the GPU come up in a
/// ``ProbeOrder``, the GPU's probe going through the driver core's deferred-probe list, so a
/// design's probe behaviour (deferring for a missing heap, waiting on a supplier, taking its
/// region at once) is measured rather than described.
struct KernelBoot {
    let board: Board
    let order: ProbeOrder
    /// The heap a device link makes the GPU wait for before it is probed at all (the
    /// heap-device design: the driver core does not probe a consumer whose supplier is unbound).
    let supplier: String?
    let gpuName: String
    let makeGPU: () throws(SimulationError) -> PanthorDevice

    struct Outcome {
        let gpu: PanthorDevice
        /// Every step, in order, as the report prints it.
        let steps: [String]
        let deferrals: Int
        /// One line: how many times the probe deferred and what brought the GPU up.
        let summary: String
    }

    func run(designName: String) throws(SimulationError) -> Outcome {
        let queue = DeferredProbeQueue()
        var gpu: PanthorDevice?
        var waitingForSupplier = false
        var steps: [String] = []
        var boundBy: String?
        var seenAttempts = 0

        /// Writes down the probe attempts made since the last call; notes what bound the GPU.
        func logAttempts(_ trigger: String) throws(SimulationError) {
            let attempts = queue.attempts
            for attempt in attempts[seenAttempts...] {
                switch attempt.outcome {
                case .bound:
                    steps.append("\(attempt.device): bound")
                    boundBy = trigger
                case .deferred(let error):
                    // The driver's reason names the device already.
                    let reason = error.reason.hasPrefix("\(attempt.device): ") ? String(error.reason.dropFirst(attempt.device.count + 2)) : error.reason
                    steps.append("\(attempt.device): probe deferred (EPROBE_DEFER): \(reason)")
                case .failed(let error):
                    throw SimulationError("the GPU did not come up under the \(designName) design: \(error)")
                }
            }
            seenAttempts = attempts.count
        }

        func probeGPU(_ trigger: String) throws(SimulationError) {
            let device = try makeGPU()
            gpu = device
            queue.probe(device)
            try logAttempts(trigger)
        }

        for step in order.steps {
            switch step {
            case .gpu:
                if let supplier, !board.heaps.names.contains(supplier) {
                    waitingForSupplier = true
                    steps.append("\(gpuName): waits for its supplier, heap \(supplier) (device link): not probed yet")
                } else {
                    try probeGPU("at once")
                }
            case .provider(let provider):
                guard isPresent(provider) else { continue }
                let names: [String]
                do {
                    names = try board.registerHeaps(of: provider)
                } catch {
                    throw SimulationError("\(error)")
                }
                steps.append("\(provider): " + (names.isEmpty ? "registered no heap" : "registered \(names.joined(separator: ", "))")
                             + (provider.bindsDevice ? "; its device bound" : ""))
                if waitingForSupplier, let supplier, names.contains(supplier) {
                    waitingForSupplier = false
                    try probeGPU("after \(provider) registered \(supplier)")
                }
                if provider.bindsDevice, !queue.pending.isEmpty {
                    steps.append("driver core: deferred probes retried (\(provider) bound)")
                    queue.retry()
                    try logAttempts("when \(provider) bound")
                }
            case .lateInitcall:
                guard !queue.pending.isEmpty else { continue }
                steps.append("late_initcall: deferred probes retried")
                queue.retry()
                try logAttempts("at late_initcall")
            }
        }
        let deferrals = queue.attempts.filter { if case .deferred = $0.outcome { true } else { false } }.count
        guard let gpu, let boundBy else {
            let why = waitingForSupplier ? "its supplier heap \(supplier ?? "") never registered"
                : queue.attempts.last.map { "\($0.outcome)" } ?? "never probed"
            throw SimulationError("the GPU did not come up under the \(designName) design: \(why)")
        }
        let summary = switch (deferrals, supplier != nil && boundBy.hasPrefix("after")) {
        case (0, true): "held by its device link (no EPROBE_DEFER); bound \(boundBy)"
        case (0, _): "bound \(boundBy)"
        case (let count, _): "deferred \(count)× (EPROBE_DEFER); bound \(boundBy)"
        }
        return Outcome(gpu: gpu, steps: steps, deferrals: deferrals, summary: summary)
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
