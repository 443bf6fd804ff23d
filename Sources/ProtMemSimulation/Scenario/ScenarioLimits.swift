/// The largest counts and times a scenario may ask for: the kernel's limit where it has one,
/// the model's own where it does not. Every one of them is checked when the file is loaded,
/// so a scenario past one is refused with its file, line and field instead of growing without
/// bound once it runs.
public enum ScenarioLimits {
    /// `KTIME_MAX`: the kernel keeps time in a signed 64-bit `ktime_t` of nanoseconds (about
    /// 292 years), so no timer of a real system lies further out. Bounds `duration` and
    /// `job_duration`.
    public static let maximumNanoseconds: UInt64 = UInt64(Int64.max)

    /// Processes a scenario's `churn` workloads may spawn, together: pids run from 1 below
    /// `pid_max`, whose default is `PID_MAX_DEFAULT` (32768) on a board with up to 32 CPUs
    /// (`pid_max = max(PID_MAX_DEFAULT, 1024 * nr_cpus)`; the modelled boards have 8). The
    /// sysctl may raise it to `PID_MAX_LIMIT` (4194304), which the model does not follow: each
    /// process costs the model about a kilobyte, and four million of them several gigabytes.
    public static let pidMax = 32768
    public static let maximumProcesses = pidMax - 1

    /// GPU groups one `mixed-gpu` workload may create: panthor's `MAX_GROUPS_PER_POOL`, the
    /// groups one DRM file may have (`GROUP_CREATE` fails beyond it).
    public static let maximumGroups = 128
    /// Faults one scenario may inject (`inject:`): each is a measured episode in the report.
    public static let maximumInjectedFaults = 64

    /// GPU jobs a scenario's `mixed-gpu` groups may submit, together: the model's own limit.
    /// Each job is submitted when the run starts and kept on its queue's ring until it
    /// finishes (the kernel would keep each in drm_sched's queue likewise, bounded only by
    /// memory), so this bounds what the rings hold at once.
    public static let maximumJobs = 1 << 20
}
