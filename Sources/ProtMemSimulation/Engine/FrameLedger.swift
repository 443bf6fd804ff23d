import ProtMemReport
import ProtMemTime
import Synchronization

/// What each injected fault cost the frames. A fault's episode is open from its injection
/// until it has recovered: the first frame finished once the fault cleared (its `for` over)
/// with no frame lost since; every frame finished or lost while an episode is open counts
/// against it (two faults that overlap both count a frame lost while both are open). Kept only
/// when the scenario injects faults, as counters per episode, so a long run costs no more than
/// a short one.
final class FrameLedger: Sendable {
    private struct Episode {
        let kind: InjectedFault.Kind
        let at: VirtualInstant
        /// When the fault's effect ends: its start, plus its `for`.
        let clears: VirtualInstant
        var lost = 0
        var completed = 0
        var allocationFailures = 0
        /// The frame that closed the episode.
        var recoveredAt: VirtualInstant?
        var detail: String = ""
    }

    private struct State {
        var episodes: [Episode] = []
        /// Whether any workload keeps frames (playback, record, trusted UI).
        var framesKept = false
    }
    private let state = Mutex(State())

    /// Opens the episode of a fault injected now; returns its number, for later notes.
    @discardableResult
    func faultInjected(_ kind: InjectedFault.Kind, at time: VirtualInstant, lasting duration: VirtualDuration) -> Int {
        state.withLock { state in
            state.episodes.append(Episode(kind: kind, at: time, clears: time + duration))
            return state.episodes.count - 1
        }
    }

    /// Notes what the injection did (the bytes taken, the entry it took effect at), on the
    /// latest episode or on episode `number`.
    func note(episode number: Int? = nil, _ detail: String) {
        state.withLock { state in
            guard let index = number ?? (state.episodes.isEmpty ? nil : state.episodes.count - 1), state.episodes.indices.contains(index) else { return }
            state.episodes[index].detail += state.episodes[index].detail.isEmpty ? detail : "; " + detail
        }
    }

    func frameCompleted(at time: VirtualInstant) {
        state.withLock { state in
            state.framesKept = true
            for index in state.episodes.indices where state.episodes[index].recoveredAt == nil {
                state.episodes[index].completed += 1
                if time >= state.episodes[index].clears { state.episodes[index].recoveredAt = time }
            }
        }
    }

    /// A frame lost: failed, or shown too late to count (a player drops it).
    func frameLost(at time: VirtualInstant) {
        state.withLock { state in
            state.framesKept = true
            for index in state.episodes.indices where state.episodes[index].recoveredAt == nil { state.episodes[index].lost += 1 }
        }
    }

    /// An allocation some workload asked for and did not get.
    func allocationFailed(at time: VirtualInstant) {
        state.withLock { state in
            for index in state.episodes.indices where state.episodes[index].recoveredAt == nil { state.episodes[index].allocationFailures += 1 }
        }
    }

    /// Each fault's outcome: recovered once its episode closed, the recovery time from the
    /// injection to the frame that closed it. Without frame workloads nothing says whether
    /// frames flowed, and `recovered` is absent.
    var outcomes: [RunReport.InjectedFaultOutcome] {
        state.withLock { state in
            state.episodes.map { episode in
                var outcome = RunReport.InjectedFaultOutcome(kind: episode.kind.rawValue, at: episode.at.rawValue,
                                                             duration: episode.clears.rawValue - episode.at.rawValue)
                outcome.framesLost = UInt64(episode.lost)
                outcome.framesCompleted = UInt64(episode.completed)
                outcome.allocationFailures = UInt64(episode.allocationFailures)
                if state.framesKept {
                    outcome.recovered = episode.recoveredAt != nil
                    outcome.recoveryTime = episode.recoveredAt.map { $0.rawValue - episode.at.rawValue }
                }
                var detail = episode.detail
                if !state.framesKept { detail += (detail.isEmpty ? "" : "; ") + "no workload keeps frames: recovery not measured" }
                outcome.detail = detail
                return outcome
            }
        }
    }
}
