import ProtMemTime

/// One queue of a group: its ring of jobs, which the host appends to (`insert`) and the
/// firmware consumes (`extract`), and each job's state as its sync object would show it.
struct PanthorQueue {
    struct Entry {
        let job: GPUJob
        var state: JobState = .queued
        /// What is left of its run when it was suspended.
        var remaining: VirtualDuration
    }

    var ring = JobRing()
    /// Jobs the firmware has finished with (completed or failed).
    var extract: Int = 0

    var insert: Int { ring.count }
    var isEmpty: Bool { extract == ring.count }
    var next: Entry? { isEmpty ? nil : ring[extract] }
    /// Whether the next job lies in a protected region, `nil` when the ring is empty: what
    /// the firmware asks on every kick, without copying the entry (its job's label and
    /// operations) out of the ring.
    var nextIsProtected: Bool? { isEmpty ? nil : ring[extract].job.isProtected }
}
