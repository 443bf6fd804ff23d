import ProtMemTime

/// One queue's ring buffer in GPU memory (what `ringbuf_base` points a CS slot at): its jobs,
/// which the host appends to (`insert`) and the firmware consumes (`extract`), and each job's
/// state as its sync object would show it. Both sides reach it: the driver writes jobs in and
/// reads their state, the firmware runs them and writes their state. The model keeps jobs as
/// values rather than CS instructions.
package struct CommandStreamRing {
    package struct Entry {
        package let job: GPUJob
        /// What is left of its run when it was suspended.
        var remaining: VirtualDuration
        /// The job's state, kept as plain fields rather than an enum with payloads: such an
        /// enum carries a failure's strings inline, so each of the several state changes of a
        /// job's life destroyed the old value through its value witness, and every entry of
        /// the ring paid the failure's size. A fault is rare and lives in a box of its own; a
        /// job the host cancelled (its group failed) carries nothing: the host knows why.
        private var phase = Phase.queued
        /// `since` of a running job, `at` of a completed one.
        private var time = VirtualInstant(rawValue: 0)
        private var readBack: [UInt8]?
        private var failure: FaultBox?

        private enum Phase: UInt8 {
            case queued, running, waitingForProtectedMode, completed, faulted, cancelled
        }

        private final class FaultBox {
            let fault: GPUFault
            init(_ fault: GPUFault) { self.fault = fault }
        }

        package init(job: consuming GPUJob, remaining: VirtualDuration) {
            self.job = job
            self.remaining = remaining
        }

        /// Where the job stands, as the ring shows it, built on read.
        package var status: Status {
            switch phase {
            case .queued: .queued
            case .running: .running(since: time)
            case .waitingForProtectedMode: .waitingForProtectedMode
            case .completed: .completed(at: time, readBack: readBack)
            case .faulted: .faulted(failure!.fault)
            case .cancelled: .cancelled
            }
        }

        /// The state as a poller sees it (``JobProgress``), from the plain fields: no result
        /// or failure is copied out.
        package var progress: JobProgress {
            switch phase {
            case .queued, .running, .waitingForProtectedMode: .pending
            case .completed: .completed(at: time)
            case .faulted, .cancelled: .failed
            }
        }

        /// Whether the job completed or failed, without building the state.
        package var isFinished: Bool { phase == .completed || phase == .faulted || phase == .cancelled }

        /// Back in the ring's head (a stop): no result is kept for a job not finished.
        package mutating func setQueued() {
            clearResult()
            phase = .queued
        }

        mutating func setRunning(since: VirtualInstant) {
            clearResult()
            phase = .running
            time = since
        }

        mutating func setWaitingForProtectedMode() {
            clearResult()
            phase = .waitingForProtectedMode
        }

        package mutating func complete(at: VirtualInstant, readBack: [UInt8]?) {
            failure = nil
            phase = .completed
            time = at
            self.readBack = readBack
        }

        /// The firmware failed the job with `fault`.
        package mutating func fail(_ fault: GPUFault) {
            readBack = nil
            phase = .faulted
            self.failure = FaultBox(fault)
        }

        /// The host cancelled the job: its group failed (the host keeps why).
        package mutating func cancel() {
            readBack = nil
            failure = nil
            phase = .cancelled
        }

        /// A finished job's result goes when its state changes again (only a test's setter
        /// does that); the common changes find nothing here and skip the releases.
        @inline(__always)
        private mutating func clearResult() {
            if phase == .completed || phase == .faulted || phase == .cancelled {
                readBack = nil
                failure = nil
            }
        }
    }

    /// Where a job stands, as the ring shows it.
    package enum Status {
        case queued
        case running(since: VirtualInstant)
        case waitingForProtectedMode
        case completed(at: VirtualInstant, readBack: [UInt8]?)
        /// The firmware failed it: one of its accesses faulted.
        case faulted(GPUFault)
        /// The host cancelled it (its group failed before it ran).
        case cancelled
    }

    package var ring = JobRing()
    /// Jobs the firmware has finished with (completed or failed).
    package var extract: Int = 0

    package init() {}

    package var insert: Int { ring.count }
    package var isEmpty: Bool { extract == ring.count }
    package var next: Entry? { isEmpty ? nil : ring[extract] }
    /// Whether the next job lies in a protected region, `nil` when the ring is empty: what
    /// the firmware asks on every kick, without copying the entry (its job's label and
    /// operations) out of the ring.
    package var nextIsProtected: Bool? { isEmpty ? nil : ring[extract].job.isProtected }

    /// The firmware starts the next job at `now`: returns its index, whether it is protected,
    /// and what is left of its run.
    mutating func startNext(at now: VirtualInstant) -> (index: Int, isProtected: Bool, remaining: VirtualDuration) {
        let index = extract
        let isProtected = ring[index].job.isProtected
        let remaining = ring[index].remaining
        ring[index].setRunning(since: now)
        return (index, isProtected, remaining)
    }

    /// The next job reached a protected region and waits for protected mode.
    mutating func markNextWaitingForProtectedMode() {
        ring[extract].setWaitingForProtectedMode()
    }

    /// Job `index`, which ran for `ran`, is stopped (a suspend or terminate): back at the head
    /// with what is left of its run. Nothing happens unless it is still the next job.
    mutating func stop(_ index: Int, ran: VirtualDuration) {
        guard extract == index else { return }
        ring[index].remaining = ring[index].remaining - ran
        ring[index].setQueued()
    }

    /// The next job, waiting for protected mode, goes back to queued (its stream stopped).
    mutating func requeueNext() {
        guard extract < ring.count else { return }
        ring[extract].setQueued()
    }

    /// Job `index` (the next one) failed: the firmware moves past it.
    mutating func failJob(_ index: Int, _ fault: GPUFault) {
        ring[index].fail(fault)
        extract += 1
    }

    /// Job `index` (the next one) completed: the firmware moves past it.
    mutating func completeJob(_ index: Int, at time: VirtualInstant, readBack: [UInt8]?) {
        ring[index].complete(at: time, readBack: readBack)
        extract += 1
    }
}
