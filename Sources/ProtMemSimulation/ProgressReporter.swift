#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A progress bar on standard error for runs that take more than a second, drawn only when
/// standard error is a terminal (never into a pipe or a CI log) and never into the results:
/// it reads the wall clock, which nothing that decides a run's outcome may do.
public final class ProgressReporter {
    private let total: UInt64
    private let enabled: Bool
    private let start: Double
    private var lastDraw: Double = 0
    private var drawn = false
    private var updates: UInt32 = 0

    /// `total` is the virtual time the run will reach.
    public init(total: UInt64, force: Bool? = nil) {
        self.total = max(total, 1)
        self.enabled = force ?? (isatty(2) == 1)
        self.start = Self.now()
    }

    /// Called as virtual time advances; redraws at most ten times a second, and only after
    /// the first second. It is called for every event, so it reads the clock only every
    /// 256th call: a clock read per event would cost a good part of what the event does.
    public func update(_ virtualTime: UInt64) {
        guard enabled else { return }
        updates &+= 1
        guard updates & 0xff == 0 else { return }
        let now = Self.now()
        guard now - start >= 1, now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let fraction = min(1, Double(virtualTime) / Double(total))
        let width = 40
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let line = "\r[\(bar)] \(Int(fraction * 100))%  \(virtualTime / 1_000_000) / \(total / 1_000_000) ms simulated"
        write(2, line, line.utf8.count)
        drawn = true
    }

    /// Clears the bar.
    public func finish() {
        guard enabled, drawn else { return }
        let blank = "\r" + String(repeating: " ", count: 80) + "\r"
        write(2, blank, blank.utf8.count)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
