import ProtMemTime

/// One queue of a group: its ring of jobs, which the host appends to (`insert`) and the
/// firmware consumes (`extract`), and each job's state as its sync object would show it.
struct PanthorQueue {
    struct Entry {
        let job: GPUJob
        /// What is left of its run when it was suspended.
        var remaining: VirtualDuration
        /// The job's state, kept as plain fields rather than a ``JobState``: that enum carries
        /// a failure's strings inline, so each of the several state changes of a job's life
        /// destroyed the old value through its value witness, and every entry of the ring
        /// paid the failure's size. A failure is rare and lives in a box of its own.
        private var phase = Phase.queued
        /// `since` of a running job, `at` of a completed one.
        private var time = VirtualInstant(rawValue: 0)
        private var readBack: [UInt8]?
        private var failure: FailureBox?

        private enum Phase: UInt8 {
            case queued, running, waitingForProtectedMode, completed, failed
        }

        private final class FailureBox {
            let failure: JobFailure
            init(_ failure: JobFailure) { self.failure = failure }
        }

        init(job: consuming GPUJob, remaining: VirtualDuration) {
            self.job = job
            self.remaining = remaining
        }

        /// The state as ``JobState`` tells it, built on read.
        var state: JobState {
            get {
                switch phase {
                case .queued: .queued
                case .running: .running(since: time)
                case .waitingForProtectedMode: .waitingForProtectedMode
                case .completed: .completed(at: time, readBack: readBack)
                case .failed: .failed(failure!.failure)
                }
            }
            set {
                switch newValue {
                case .queued: setQueued()
                case .running(let since): setRunning(since: since)
                case .waitingForProtectedMode: setWaitingForProtectedMode()
                case .completed(let at, let readBack): complete(at: at, readBack: readBack)
                case .failed(let failure): fail(failure)
                }
            }
        }

        /// The state as a poller sees it (``JobProgress``), from the plain fields: no result
        /// or failure is copied out.
        var progress: JobProgress {
            switch phase {
            case .queued, .running, .waitingForProtectedMode: .pending
            case .completed: .completed(at: time)
            case .failed: .failed
            }
        }

        /// Whether the job completed or failed (``JobState/isFinished``), without building the state.
        var isFinished: Bool { phase == .completed || phase == .failed }

        /// Back in the ring's head (a stop): no result is kept for a job not finished.
        mutating func setQueued() {
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

        mutating func complete(at: VirtualInstant, readBack: [UInt8]?) {
            failure = nil
            phase = .completed
            time = at
            self.readBack = readBack
        }

        mutating func fail(_ failure: JobFailure) {
            readBack = nil
            phase = .failed
            self.failure = FailureBox(failure)
        }

        /// A finished job's result goes when its state changes again (only a test's setter
        /// does that); the common changes find nothing here and skip the releases.
        @inline(__always)
        private mutating func clearResult() {
            if phase == .completed || phase == .failed {
                readBack = nil
                failure = nil
            }
        }
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
    mutating func failJob(_ index: Int, _ failure: JobFailure) {
        ring[index].fail(failure)
        extract += 1
    }

    /// Job `index` (the next one) completed: the firmware moves past it.
    mutating func completeJob(_ index: Int, at time: VirtualInstant, readBack: [UInt8]?) {
        ring[index].complete(at: time, readBack: readBack)
        extract += 1
    }
}
