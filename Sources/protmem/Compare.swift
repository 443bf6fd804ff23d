import ArgumentParser
import ProtMemAttacks
import ProtMemBoard
import ProtMemSimulation

/// `protmem compare`: one scenario under each of the four designs, side by side.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one scenario under each of the four designs and print them side by side."
    )

    @Option(help: ArgumentHelp("A scenario file (Examples/scenarios/; every field is in Documentation/scenario-format.md); without one, the built-in secure-playback scenario.", valueName: "file"))
    var scenario: String?

    @OptionGroup var boardOptions: BoardOptions

    @Option(help: ArgumentHelp("A Mali CSF firmware image (as for simulate).", valueName: "file"))
    var firmware: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The seed, 0…2^64-1 (decimal or 0x hex); overrides the scenario's.", valueName: "seed"),
            transform: SeedArgument.parse)
    var seed: UInt64?

    @Option(help: ArgumentHelp("Under reserved-region: per-device (the GPU's own region beside the media devices' carve-out) or shared (the GPU points at the carve-out too).", valueName: "layout"))
    var reservedRegions: String = ReservedRegionLayout.perDevice.rawValue

    @Flag(help: "Skip the bisection of each design's minimum protected memory (min_protected_bytes is then null).")
    var noSize = false

    @Option(help: ArgumentHelp("A sweep: N (the scenario's seed and the N-1 after it) or A...B (every seed from A to B); each (seed, design) runs on its own, in parallel, and the table gives mean, min and max per measure.", valueName: "seeds"))
    var seeds: String?

    @Flag(help: "Print the comparison as JSON (sizes in bytes, times in virtual nanoseconds; README, \"Units in the JSON\").")
    var json = false

    @Option(help: ArgumentHelp("Write an HTML page with the measures and a plot of reserved, peak and minimum protected memory per design.", valueName: "file"))
    var html: String?

    @Flag(help: "Print one JSON object a line per (seed, design) run, for a sweep spread over a batch engine (README).")
    var jsonLines = false

    func validate() throws {
        if seed != nil, seeds != nil { throw ValidationError("--seed and --seeds: give one seed or a sweep, not both") }
        if json, jsonLines { throw ValidationError("--json and --json-lines: choose one output") }
        if html != nil, seeds != nil || jsonLines { throw ValidationError("--html: the page shows one comparison, not a sweep (--seeds, --json-lines)") }
        if ReservedRegionLayout(rawValue: reservedRegions) == nil {
            throw ValidationError("--reserved-regions: unknown layout \"\(reservedRegions)\"; expected per-device or shared")
        }
    }

    func run() throws {
        let (scenario, configuration, bytes, _) = try ScenarioRun(scenarioPath: self.scenario, boardOptions: boardOptions, design: nil, seed: nil,
                                                                  firmware: firmware, checkEveryEvent: false).prepare()
        let layout = ReservedRegionLayout(rawValue: reservedRegions)!
        guard seeds != nil || jsonLines else {
            if let html { try Output.checkWritable(html) }
            var comparison = DesignComparison.run(scenario, configuration: configuration, firmware: bytes, seed: seed, sizing: !noSize, reservedRegions: layout)
            comparison.recordAttacks(Self.designAttacks(on: configuration), note: Self.attacksNote)
            if let html { try Output.write(comparison.html, to: html) }
            print(json ? try RunReportJSON.encode(comparison) : comparison.table)
            return
        }
        let list: [UInt64]
        if let seeds {
            do { list = try SeedList(parsing: seeds, base: scenario.seed).seeds } catch { throw ValidationError(error.description) }
        } else {
            list = [seed ?? scenario.seed]
        }
        let sweep = DesignSweep.run(scenario, configuration: configuration, firmware: bytes, seeds: list, sizing: !noSize, reservedRegions: layout)
        if jsonLines {
            for run in sweep.runs { print(try RunReportJSON.line(run)) }
        } else {
            print(json ? try RunReportJSON.encode(sweep) : sweep.table)
        }
    }

    static let attacksNote = "the design attacks (DesignAttacks: " + DesignAttacks.names.joined(separator: ", ")
        + "), each on a fresh board of the comparison's, under each design; one succeeds when the model lets a master other than the "
        + "protected GPU at the GPU's protected state, or protected output into ordinary memory; one that does not apply to a design "
        + "(no ioctl takes the buffer) is not counted as run"

    /// Runs the design attacks under every design on `configuration`: per design, how many
    /// applied and which succeeded.
    static func designAttacks(on configuration: BoardConfiguration) -> [String: (run: Int, through: [String])] {
        var results: [String: (run: Int, through: [String])] = [:]
        for design in Design.allCases {
            let ran = DesignAttacks.run(design, on: configuration).filter { $0.succeeded != nil }
            results[design.rawValue] = (ran.count, ran.filter { $0.succeeded == true }.map(\.name))
        }
        return results
    }
}
