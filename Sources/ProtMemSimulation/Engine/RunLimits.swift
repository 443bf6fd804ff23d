/// What a run keeps for its report however long it simulates: each series is decimated to a
/// fixed number of points and faults past the first are only counted (see ``Recorder`` and
/// ``ProtectedModeTally``). The defaults are far above what the shipped scenarios produce, so
/// their reports are whole; tests set small ones to see the decimation without simulating
/// for hours.
package struct RunLimits: Sendable, Hashable {
    /// Occupancy samples per heap: a churn changes a heap thousands of times a second.
    package var occupancySamples = 16384
    /// Protected-mode periods: a 4K60 playback has one a frame (16384 is 4.5 minutes of it).
    package var protectedPeriods = 16384
    /// Faults listed word for word, of the workloads' and of the bus's each.
    package var listedFaults = 1000

    package init() {}
}

/// How much a run held when its time was up, in each structure that could grow with
/// simulated time: what tests of long runs check.
package struct RunFootprint: Sendable, Hashable {
    /// Trace events the recorder kept (none without a trace).
    package var traceEntries = 0
    /// Events the GPU driver's trace still held.
    package var gpuTraceEvents = 0
    /// Jobs the GPU's queue rings still held.
    package var gpuJobs = 0
    /// Occupancy samples over every heap, and protected-mode periods.
    package var occupancySamples = 0
    package var protectedPeriods = 0
    /// Faults kept word for word by the recorder and by the bus's log.
    package var recordedFaults = 0
    package var busFaults = 0
}
