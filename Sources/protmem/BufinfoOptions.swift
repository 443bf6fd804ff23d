import ArgumentParser
import ProtMemSimulation

/// `--bufinfo-at TIME` and `--bufinfo-out FILE`: debugfs `dma_buf/bufinfo` as the board's
/// kernel would print it at chosen virtual times of a `simulate` run: how the options'
/// values are read, checked and written (`Simulate` declares the options).
enum BufinfoOptions {
    static func time(_ text: String) throws -> ScenarioDuration {
        guard let time = ScenarioDuration(text) else {
            throw ValidationError("expected a virtual time such as 1.5s, 500ms, 250us or 100ns")
        }
        return time
    }

    static func validate(times: [ScenarioDuration], output: String?, json: Bool) throws {
        if output != nil && times.isEmpty { throw ValidationError("--bufinfo-out needs --bufinfo-at") }
        if json && output == nil && !times.isEmpty {
            throw ValidationError("--bufinfo-at with --json needs --bufinfo-out: standard output holds the JSON")
        }
    }

    /// The snapshots as written: one is the kernel's text alone, byte for byte; several are
    /// each headed `==> bufinfo at TIME <==`, as `tail` heads several files.
    static func text(_ snapshots: [BufinfoSnapshot]) -> String {
        guard snapshots.count > 1 else { return snapshots.first?.text ?? "" }
        return snapshots.map { "==> bufinfo at \(ScenarioDuration(nanoseconds: $0.time)) <==\n" + $0.text }.joined(separator: "\n")
    }
}
