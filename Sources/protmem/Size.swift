import ArgumentParser
import ProtMemSimulation

/// `protmem size`: the smallest protected memory a board must set aside for a scenario to run
/// clean, found by bisection, beside what it sets aside and the peak use.
struct Size: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find by bisection the smallest protected memory the board must set aside for a scenario to run clean.",
        discussion: """
            Each resizable protected pool the scenario uses (a carve-out, OP-TEE's static pool, the GPU's own \
            memory-region) is searched on its own, at page granularity, between its peak use and the board's size; \
            clean is no fault, no invariant violation and no failed allocation. Pools lent on demand (OP-TEE's dynamic \
            pool, a hypervisor's lend heap) reserve nothing and are reported as not resizable.
            """
    )

    @Option(help: ArgumentHelp("A scenario file (Examples/scenarios/); without one, the built-in secure-playback scenario.", valueName: "file"))
    var scenario: String?

    @OptionGroup var boardOptions: BoardOptions

    @Option(help: ArgumentHelp("How the GPU gets protected memory: \(Design.allCases.map(\.rawValue).joined(separator: ", ")); overrides the scenario's.", valueName: "design"))
    var design: String?

    @Option(help: ArgumentHelp("Under reserved-region: per-device (the GPU's own region beside the media devices' carve-out, each sized on its own) or shared (the GPU points at the carve-out too).", valueName: "layout"))
    var reservedRegions: String = ReservedRegionLayout.perDevice.rawValue

    @Option(parsing: .unconditional, help: ArgumentHelp("The seed, 0…2^64-1 (decimal or 0x hex); overrides the scenario's.", valueName: "seed"),
            transform: SeedArgument.parse)
    var seed: UInt64?

    @Option(help: ArgumentHelp("A Mali CSF firmware image (as for simulate).", valueName: "file"))
    var firmware: String?

    @Option(help: ArgumentHelp("A sweep: N (the scenario's seed and the N-1 after it) or A...B; one search per seed, in parallel.", valueName: "seeds"))
    var seeds: String?

    @Flag(help: "Print the result as JSON (sizes in bytes, times in virtual nanoseconds); with --seeds, an array of them.")
    var json = false

    @Flag(help: "Print one JSON object a line per seed's search.")
    var jsonLines = false

    func validate() throws {
        if let design, Design(name: design) == nil {
            throw ValidationError("unknown design \"\(design)\"; expected one of \(Design.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if seed != nil, seeds != nil { throw ValidationError("--seed and --seeds: give one seed or a sweep, not both") }
        if json, jsonLines { throw ValidationError("--json and --json-lines: choose one output") }
        if ReservedRegionLayout(rawValue: reservedRegions) == nil {
            throw ValidationError("--reserved-regions: unknown layout \"\(reservedRegions)\"; expected per-device or shared")
        }
    }

    func run() throws {
        let chosen = design.flatMap { Design(name: $0) }
        let (scenario, configuration, bytes, _) = try ScenarioRun(scenarioPath: self.scenario, boardOptions: boardOptions, design: chosen, seed: seed,
                                                                  firmware: firmware, checkEveryEvent: false).prepare()
        var simulation = Simulation(scenario: scenario, configuration: configuration, design: chosen, seed: seed, firmware: bytes)
        simulation.reservedRegions = ReservedRegionLayout(rawValue: reservedRegions)!
        guard seeds != nil || jsonLines else {
            let capacity = CapacitySearch(simulation).run()
            print(json ? try RunReportJSON.encode(capacity) : capacity.text)
            return
        }
        let list: [UInt64]
        if let seeds {
            do { list = try SeedList(parsing: seeds, base: scenario.seed).seeds } catch { throw ValidationError(error.description) }
        } else {
            list = [simulation.seed]
        }
        let sweep = CapacitySweep.run(simulation, seeds: list)
        if jsonLines {
            for capacity in sweep.capacities { print(try RunReportJSON.line(capacity)) }
        } else {
            print(json ? try RunReportJSON.encode(sweep.capacities) : sweep.text)
        }
    }
}
