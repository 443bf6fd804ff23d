/// Every attack, in catalogue order (by category, then as each category lists them).
///
/// Each attack builds its own board, attacks it with normal-world capabilities only, and
/// reports what the model answered; ``Attack/run()`` compares that with what it expects.
/// Where a real system would let an attack through, the attack says so (``Attack/letThrough``)
/// and expects what the model then shows (usually the invariant checker's report); where the
/// model offers a stricter behaviour, the attack runs under both, as two entries.
public enum AttackCatalogue {
    public static let all: [Attack] = cpuAccess + dmaMasters + gpu + suspendBuffers + userspaceABI + tee + hypervisor + scrub + oracle

    /// The attack named `name`.
    public static func attack(named name: String) -> Attack? {
        all.first { $0.name == name }
    }

    /// Runs every attack named in `names` (all of them for none), in catalogue order;
    /// `unknown` lists the names no attack has, in the order given, and then nothing runs.
    public static func run(_ names: [String] = []) -> (results: [AttackResult], unknown: [String]) {
        let unknown = names.filter { attack(named: $0) == nil }
        guard unknown.isEmpty else { return ([], unknown) }
        let chosen = names.isEmpty ? all : all.filter { names.contains($0.name) }
        return (chosen.map { $0.run() }, [])
    }
}
