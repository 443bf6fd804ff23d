import ArgumentParser
import ProtMemSimulation

/// `--bufinfo-at TIME` and `--bufinfo-out FILE`: debugfs `dma_buf/bufinfo` as the board's
/// kernel would print it at chosen virtual times of a `simulate` run.
struct BufinfoOptions: ParsableArguments {
    @Option(name: .customLong("bufinfo-at"), help: ArgumentHelp(
        "Print debugfs dma_buf/bufinfo at this virtual time (e.g. 1.5s, 500ms), after every event due by then; repeat for several.",
        valueName: "time"), transform: BufinfoOptions.time)
    var times: [ScenarioDuration] = []

    @Option(name: .customLong("bufinfo-out"), help: ArgumentHelp(
        "Write the --bufinfo-at text to this file instead of standard output.", valueName: "file"))
    var output: String?

    static func time(_ text: String) throws -> ScenarioDuration {
        guard let time = ScenarioDuration(text) else {
            throw ValidationError("expected a virtual time such as 1.5s, 500ms, 250us or 100ns")
        }
        return time
    }

    func validate(json: Bool) throws {
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
