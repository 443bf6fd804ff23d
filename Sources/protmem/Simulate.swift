import ArgumentParser
import Foundation
import ProtMemBoard
import ProtMemReport
import ProtMemSimulation

/// `protmem simulate`: runs a scenario in virtual time and reports what happened to every
/// buffer, fault and protected-mode switch. With no arguments: two seconds of 4K60 secure
/// playback on the built-in board.
struct Simulate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario (YAML) on a board in virtual time and report buffers, faults and protected-mode switches.",
        discussion: """
            The scenario format (every field of every workload, the board mapping and how its paths resolve, \
            probe_order, expect:, units and limits) is documented in Documentation/scenario-format.md.
            Exit status: 0 when the run met its expectation, 3 when the violations are not as expected, \
            4 when the faults are not, 1 when the run could not be made.
            """
    )

    @Option(help: ArgumentHelp("A scenario file (Examples/scenarios/; every field is in Documentation/scenario-format.md); without one, the built-in secure-playback scenario.", valueName: "file"))
    var scenario: String?

    @OptionGroup var boardOptions: BoardOptions

    @Option(help: ArgumentHelp("How the GPU gets protected memory: \(Design.allCases.map(\.rawValue).joined(separator: ", ")); overrides the scenario's.", valueName: "design"))
    var design: String?

    @Option(parsing: .unconditional, help: ArgumentHelp("The seed, 0…2^64-1 (decimal or 0x hex); overrides the scenario's.", valueName: "seed"),
            transform: SeedArgument.parse)
    var seed: UInt64?

    @Option(help: ArgumentHelp("A Mali CSF firmware image; without one, the real arch10.8 image if found in Boards/real (Scripts/fetch-boards.sh) or ../shared/data, walking up from the working directory, else a synthetic one with the same layout.", valueName: "file"))
    var firmware: String?

    @Flag(help: "Print the report as JSON instead of the text summary (times in virtual nanoseconds, sizes in bytes; README, \"Units in the JSON\").")
    var json = false

    @Option(help: ArgumentHelp("Write a Perfetto-loadable trace (Chrome trace-event JSON).", valueName: "file"))
    var trace: String?

    @Option(help: ArgumentHelp("Write an HTML report with plots.", valueName: "file"))
    var html: String?

    @Flag(help: "Run the invariant checker after every event (slow).")
    var checkEveryEvent = false

    // Declared here rather than as an option group: a throwing transform inside an
    // `@OptionGroup` leaks an argument key when it throws (LeakSanitizer, swift-argument-parser 1.x).
    @Option(name: .customLong("bufinfo-at"), help: ArgumentHelp(
        "Print debugfs dma_buf/bufinfo at this virtual time (e.g. 1.5s, 500ms), after every event due by then; repeat for several.",
        valueName: "time"), transform: BufinfoOptions.time)
    var bufinfoTimes: [ScenarioDuration] = []

    @Option(name: .customLong("bufinfo-out"), help: ArgumentHelp(
        "Write the --bufinfo-at text to this file instead of standard output.", valueName: "file"))
    var bufinfoOutput: String?

    func validate() throws {
        if let design, Design(name: design) == nil {
            throw ValidationError("unknown design \"\(design)\"; expected one of \(Design.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try BufinfoOptions.validate(times: bufinfoTimes, output: bufinfoOutput, json: json)
    }

    func run() throws {
        for path in [trace, html, bufinfoOutput].compactMap(\.self) { try Output.checkWritable(path) }
        let result = try ScenarioRun(scenarioPath: scenario, boardOptions: boardOptions, design: design.flatMap { Design(name: $0) },
                                     seed: seed, firmware: firmware, checkEveryEvent: checkEveryEvent, recordsTrace: trace != nil,
                                     bufinfoTimes: bufinfoTimes).run(showProgress: true)
        try write(result)
        if !bufinfoTimes.isEmpty {
            let text = BufinfoOptions.text(result.bufinfo)
            if let path = bufinfoOutput { try Output.write(text, to: path) } else { print(text, terminator: "") }
        }
        if json {
            print(try RunReportJSON.encode(result.report))
        } else {
            print(result.report.textSummary)
        }
        // The scenario's expect: (by default no violation): 3 when the violations are not as
        // expected, 4 when they are and the faults are not.
        if result.report.expectation?.violationsMet == false { throw ExitCode(3) }
        if result.report.expectation?.faultsMet == false { throw ExitCode(4) }
    }

    private func write(_ result: SimulationResult) throws {
        if let trace {
            try Output.write(TraceWriter().json(result.trace), to: trace)
        }
        if let html {
            try Output.write(result.report.html, to: html)
        }
    }
}

/// A scenario ready to run: the file read, the board loaded, the firmware found. Shared by
/// `simulate` and `compare`.
struct ScenarioRun {
    let scenarioPath: String?
    let boardOptions: BoardOptions
    let design: Design?
    let seed: UInt64?
    let firmware: String?
    let checkEveryEvent: Bool
    /// Only a run that writes its trace keeps it (see ``Simulation/recordsTrace``).
    var recordsTrace = false
    /// When to take `bufinfo` (``Simulation/bufinfoTimes``).
    var bufinfoTimes: [ScenarioDuration] = []

    func prepare() throws -> (Scenario, BoardConfiguration, [UInt8], String) {
        let scenario: Scenario
        if let scenarioPath {
            do {
                scenario = try Scenario.load(path: scenarioPath)
            } catch {
                throw error.isLocated ? Diagnostics.located(error.description) : DTBFile.failure(error.description)
            }
        } else {
            scenario = .builtin
        }
        var loaded = try boardOptions.load()
        if boardOptions.path == nil, case .blob(let path, let overlays) = scenario.board, let scenarioPath {
            // The scenario names its board: a relative path from the scenario file's folder, an
            // absolute one as it is.
            let base = URL(fileURLWithPath: scenarioPath).deletingLastPathComponent()
            func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : base.appendingPathComponent(path).path }
            var options = boardOptions
            options.file = nil
            options.board = resolve(path)
            options.overlays = overlays.map(resolve)
            loaded = try options.load()
        }
        let image: (bytes: [UInt8], origin: String)
        do {
            image = try FirmwareLocator.load(firmware)
        } catch {
            throw DTBFile.failure("\(error)")
        }
        return (scenario, loaded.description.configuration, image.bytes, image.origin)
    }

    func run(showProgress: Bool) throws -> SimulationResult {
        let (scenario, configuration, firmwareBytes, origin) = try prepare()
        var simulation = Simulation(scenario: scenario, configuration: configuration, design: design, seed: seed, firmware: firmwareBytes)
        simulation.checkEveryEvent = checkEveryEvent
        simulation.recordsTrace = recordsTrace
        if let late = bufinfoTimes.first(where: { $0.nanoseconds > scenario.duration.nanoseconds }) {
            throw DTBFile.failure("--bufinfo-at \(late) is after the end of scenario \(scenario.name) (\(scenario.duration))")
        }
        simulation.bufinfoTimes = bufinfoTimes
        do {
            let progress = showProgress ? ProgressReporter(total: scenario.duration.nanoseconds) : nil
            var result = try simulation.run(progress: progress)
            result.report.firmware = origin
            return result
        } catch {
            if let field = error.field, let scenarioPath {
                let located = Scenario.locate(field, inFile: scenarioPath, message: error.reason)
                throw located.isLocated ? Diagnostics.located(located.description) : DTBFile.failure(located.description)
            }
            throw DTBFile.failure("scenario \(scenario.name): \(error)")
        }
    }
}

enum RunReportJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// `value` on one line (JSON Lines), keys sorted as in ``encode(_:)``.
    static func line<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}

enum Output {
    /// Refuses an output path that cannot be written before the run, not after it.
    static func checkWritable(_ path: String) throws {
        do {
            try HostFile.checkWritable(path)
        } catch {
            throw DTBFile.failure("\(error)")
        }
    }

    static func write(_ text: String, to path: String) throws {
        do {
            try HostFile.write(text, to: path)
        } catch {
            throw DTBFile.failure("\(error)")
        }
    }
}
