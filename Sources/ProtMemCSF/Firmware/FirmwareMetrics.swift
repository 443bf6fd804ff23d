import ProtMemTime

/// The firmware's counters, kept across boots and resets.
package struct FirmwareMetrics: Hashable, Sendable {
    package var protectedModeEntries = 0
    package var protectedModeExits = 0
    package var protectedModeFaults = 0
    package var jobsCompleted = 0
    package var jobsFailed = 0
    /// Time spent in protected mode, summed over completed sessions.
    package var protectedModeTime: VirtualDuration = .zero
}
