import ArgumentParser
import Foundation
import ProtMemAttacks

/// `protmem attack`: runs the attack catalogue, each attack on its own board with only
/// normal-world capabilities, and says whether each ended as expected.
struct AttackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attack",
        abstract: "Run the attack catalogue: named attacks with normal-world capabilities against the model.",
        discussion: """
        Each attack builds its own board, attacks it, and compares what the model answered (an \
        errno, a fault and who recorded it, a TEE or SMC status, an invariant violation) with \
        what it expects. Exit status 0 when every attack run ends as expected, 1 otherwise, 2 \
        for a name no attack has.
        """
    )

    @Flag(help: "List the attacks (name, category, threat) instead of running them.")
    var list = false

    @Flag(help: "Print a JSON array: one object per attack with keys name, category, threat, expected, observed, ok (and board, note, let_through).")
    var json = false

    @Argument(help: "Attacks to run, by name (all of them when none is given).")
    var names: [String] = []

    func run() throws {
        let unknown = names.filter { AttackCatalogue.attack(named: $0) == nil }
        if !unknown.isEmpty {
            let quoted = unknown.map { "\"\($0)\"" }.joined(separator: ", ")
            FileHandle.standardError.write(Data("protmem attack: unknown attack \(quoted) (protmem attack --list names them)\n".utf8))
            throw ExitCode(2)
        }
        let chosen = names.isEmpty ? AttackCatalogue.all : AttackCatalogue.all.filter { names.contains($0.name) }
        if list {
            print(json ? try Self.encode(chosen.map(AttackEntry.init)) : AttackTable.listing(chosen))
            return
        }
        let results = chosen.map { $0.run() }
        print(json ? try Self.encode(results.map(AttackEntry.init)) : AttackTable.report(results))
        if results.contains(where: { !$0.ok }) { throw ExitCode(1) }
    }

    static func encode(_ entries: [AttackEntry]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(entries), as: UTF8.self)
    }
}

/// One attack in `--json`: the catalogue's text, and after a run what was observed.
struct AttackEntry: Encodable {
    let name: String
    let category: String
    let threat: String
    let expected: String
    let observed: String?
    let ok: Bool?
    let board: String
    let note: String
    let letThrough: String?

    init(_ attack: Attack) {
        name = attack.name
        category = attack.category.rawValue
        threat = attack.threat
        expected = attack.expectedText
        observed = nil
        ok = nil
        board = attack.board
        note = attack.note
        letThrough = attack.letThrough
    }

    init(_ result: AttackResult) {
        name = result.attack.name
        category = result.attack.category.rawValue
        threat = result.attack.threat
        expected = result.attack.expectedText
        observed = result.observed.description
        ok = result.ok
        board = result.attack.board
        note = result.attack.note
        letThrough = result.attack.letThrough
    }

    enum CodingKeys: String, CodingKey {
        case name, category, threat, expected, observed, ok, board, note
        case letThrough = "let_through"
    }
}

/// The text forms: the listing, and a run's lines and summary.
enum AttackTable {
    static func listing(_ attacks: [Attack]) -> String {
        let nameWidth = attacks.map(\.name.count).max() ?? 0
        let categoryWidth = attacks.map(\.category.rawValue.count).max() ?? 0
        return attacks.map { attack in
            attack.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                + attack.category.rawValue.padding(toLength: categoryWidth, withPad: " ", startingAt: 0) + "  " + attack.threat
        }.joined(separator: "\n")
    }

    static func report(_ results: [AttackResult]) -> String {
        let nameWidth = results.map(\.attack.name.count).max() ?? 0
        var lines = results.map { result in
            let name = result.attack.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            return result.ok
                ? "ok    \(name)  \(result.observed.outcome)"
                : "FAIL  \(name)  expected \(result.attack.expectedText); observed \(result.observed)"
        }
        let failed = results.filter { !$0.ok }.count
        let categories = Set(results.map(\.attack.category)).count
        lines.append("\(results.count) attacks in \(categories) categories: \(results.count - failed) ended as expected, \(failed) did not")
        return lines.joined(separator: "\n")
    }
}
