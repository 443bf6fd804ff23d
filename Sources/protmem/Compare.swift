import ArgumentParser
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

    @Flag(help: "Print the comparison as JSON (sizes in bytes, times in virtual nanoseconds; README, \"Units in the JSON\").")
    var json = false

    func validate() throws {
        if ReservedRegionLayout(rawValue: reservedRegions) == nil {
            throw ValidationError("--reserved-regions: unknown layout \"\(reservedRegions)\"; expected per-device or shared")
        }
    }

    func run() throws {
        let (scenario, configuration, bytes, _) = try ScenarioRun(scenarioPath: self.scenario, boardOptions: boardOptions, design: nil, seed: nil,
                                                                  firmware: firmware, checkEveryEvent: false).prepare()
        let comparison = DesignComparison.run(scenario, configuration: configuration, firmware: bytes, seed: seed, sizing: !noSize,
                                              reservedRegions: ReservedRegionLayout(rawValue: reservedRegions)!)
        print(json ? try RunReportJSON.encode(comparison) : comparison.table)
    }
}
