import ProtMemAttacks
import Testing

/// Every attack of the catalogue is a test: it runs on its own board and must end as it
/// expects (refused, faulted, or reported by the invariant checker).
@Suite struct AttackCatalogueTests {
    @Test(arguments: AttackCatalogue.all.map(\.name))
    func attackEndsAsExpected(_ name: String) throws {
        let attack = try #require(AttackCatalogue.attack(named: name))
        let result = attack.run()
        let ok = result.ok
        #expect(ok, "\(name): expected \(attack.expectedText); observed \(result.observed)")
    }

    @Test func namesAreUniqueKebabCase() {
        let names = AttackCatalogue.all.map(\.name)
        #expect(Set(names).count == names.count)
        for name in names {
            #expect(name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "-" } && !name.hasPrefix("-") && !name.hasSuffix("-") && !name.contains("--"),
                    "\(name) is not kebab-case")
        }
    }

    @Test func catalogueCoversEveryCategory() {
        let categories = Set(AttackCatalogue.all.map(\.category))
        #expect(categories == Set(AttackCategory.allCases))
        #expect(AttackCatalogue.all.count >= 40)
    }

    @Test func unknownNamesAreReportedAndNothingRuns() {
        let (results, unknown) = AttackCatalogue.run(["cpu-bus-read-carveout", "no-such-attack"])
        #expect(results.isEmpty && unknown == ["no-such-attack"])
    }

    /// One seed, one result: running an attack twice observes the same thing, byte for byte.
    @Test func runsAreDeterministic() {
        for name in ["dma-codec-copies-protected-out", "tee-mtk-foreign-session-free", "gpu-protected-job-copies-to-normal-buffer"] {
            guard let attack = AttackCatalogue.attack(named: name) else { continue }
            #expect(attack.run().observed == attack.run().observed)
        }
    }
}
