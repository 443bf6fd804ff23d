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

    @Flag(help: "Print the comparison as JSON (peak_protected_bytes in bytes, mean_enter_latency in virtual nanoseconds).")
    var json = false

    func run() throws {
        let (scenario, configuration, bytes, _) = try ScenarioRun(scenarioPath: self.scenario, boardOptions: boardOptions, design: nil, seed: nil,
                                                                  firmware: firmware, checkEveryEvent: false).prepare()
        let comparison = DesignComparison.run(scenario, configuration: configuration, firmware: bytes)
        print(json ? try RunReportJSON.encode(comparison) : comparison.table)
    }
}
