import Synchronization

/// What every device's counters have: the transfers its DMA master refused.
protocol DeviceFaultCounters: Sendable {
    var faults: Int { get set }
}

extension CodecMetrics: DeviceFaultCounters {}
extension DisplayMetrics: DeviceFaultCounters {}
extension CameraMetrics: DeviceFaultCounters {}

extension Mutex where Value: DeviceFaultCounters {
    /// Runs one of a device's DMA transfers and counts it: a refused one as a fault (and
    /// rethrown), a completed one as `done` says. The devices count their own refusals, not
    /// the master's fault log, since they also refuse before any bus transfer (a detached or
    /// too-small buffer).
    @inline(__always)
    func counting<Result>(_ transfer: () throws(DMAMasterError) -> Result, done: (inout Value) -> Void) throws(DMAMasterError) -> Result {
        let result: Result
        do {
            result = try transfer()
        } catch {
            withLock { $0.faults += 1 }
            throw error
        }
        withLock { done(&$0) }
        return result
    }
}
