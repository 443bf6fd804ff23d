#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import ProtMemReport

/// A progress bar on standard error for runs that take more than a second, drawn only when
/// standard error is a terminal (never into a pipe, a CI log or a test's output, never on
/// standard output where `--json` goes) and never into the results: it reads the wall clock,
/// which nothing that decides a run's outcome may do. It shows simulated seconds done and
/// due, and the wall time still to go at the rate so far.
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
        // Back to the line's start, the bar, and clear what a longer line left (ECMA-48 EL).
        let line = "\r" + Self.line(virtualTime: virtualTime, total: total, wallElapsed: now - start) + "\u{1B}[K"
        write(2, line, line.utf8.count)
        drawn = true
    }

    /// The bar's text: how far the run is in simulated seconds, and how long it will still
    /// take at the wall-clock rate it has had so far, e.g.
    /// `[################------------------------] 42%  0.840 / 2.000 s simulated, about 3 s left`.
    public static func line(virtualTime: UInt64, total: UInt64, wallElapsed: Double) -> String {
        let total = max(total, 1)
        let fraction = min(1, Double(virtualTime) / Double(total))
        let width = 40
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let simulated = "\(RunReport.fixed(Double(min(virtualTime, total)) / 1e9, 3)) / \(RunReport.fixed(Double(total) / 1e9, 3)) s simulated"
        let left = fraction > 0 ? "about \(timeText(wallElapsed * (1 - fraction) / fraction)) left" : "estimating the time left"
        return "[\(bar)] \(Int(fraction * 100))%  \(simulated), \(left)"
    }

    /// Wall time to go, rounded up: `3 s`, `2 min 05 s`, `1 h 02 min`.
    static func timeText(_ seconds: Double) -> String {
        let whole = seconds.isFinite ? Int(min(seconds.rounded(.up), 359_999)) : 359_999
        if whole < 60 { return "\(whole) s" }
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if whole < 3600 { return "\(whole / 60) min \(two(whole % 60)) s" }
        return "\(whole / 3600) h \(two(whole / 60 % 60)) min"
    }

    /// Clears the bar.
    public func finish() {
        guard enabled, drawn else { return }
        let clear = "\r\u{1B}[K"
        write(2, clear, clear.utf8.count)
    }

    private static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
