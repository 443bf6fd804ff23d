/// A workload running on the simulation's clock: `start` schedules its first events,
/// `finish` gives back everything it holds once the run's time is up. Its scheduled events
/// hold it, so it is `Sendable`: what it changes as the run goes is behind a lock.
protocol SimulatedWorkload: AnyObject, Sendable {
    var name: String { get }
    func start(_ context: SimulationContext) throws(SimulationError)
    func finish(_ context: SimulationContext)
    /// When the run's time is up: how much less the workload did than its scenario asked,
    /// and why; `nil` when it did all of it.
    func shortfall(_ context: SimulationContext) -> (asked: UInt64, done: UInt64, reason: String)?
}

extension SimulatedWorkload {
    func shortfall(_ context: SimulationContext) -> (asked: UInt64, done: UInt64, reason: String)? { nil }
}

/// Why a run could not be set up or carried out (not a fault inside the run: those are
/// recorded in the report).
public struct SimulationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    /// The scenario field the error is about, as a path (`["workloads", "0", "heap"]`), when
    /// it is one: ``Scenario/locate(_:inFile:message:)`` finds its line and column.
    public let field: [String]?

    public init(_ reason: String, field: [String]? = nil) {
        self.reason = reason
        self.field = field
    }

    public var description: String { field.map { "\(Scenario.fieldName($0)): \(reason)" } ?? reason }
}
