import ProtMemBoard
import ProtMemMemory
import ProtMemSimulation
import ProtMemTEE

/// What an attack is aimed at: the part of the stack it tries to get past.
public enum AttackCategory: String, CaseIterable, Hashable, Sendable, Codable {
    /// The CPU reaching protected pages: the bus, mmap, vmap, CPU-access brackets, read().
    case cpuAccess = "cpu-access"
    /// A DMA master the firewall does not grant, or one it grants used as a copy engine.
    case dmaMaster = "dma-master"
    /// The GPU outside protected mode, protected mode writing out, user GPU VMs.
    case gpu
    /// The GPU's per-group protected suspend buffers.
    case suspendBuffer = "suspend-buffer"
    /// The userspace ABI: descriptors, ioctls, struct sizes, udmabuf, fd passing.
    case userspaceABI = "userspace-abi"
    /// Messages to OP-TEE and its trusted applications.
    case tee
    /// The hypervisor's stage 2 and FF-A memory management.
    case hypervisor
    /// Scrubbing: what a previous owner leaves, and the SiP scrub call.
    case scrub
    /// The invariant checker itself: leaks shaped to slip past it.
    case oracle
}

/// The outcome of an attack, reduced to what can be compared: the errno a call answered, who
/// recorded a refused transaction, a TEE or SMC status, a checker violation, or what a reader
/// saw. Expected and observed outcomes are compared with `==`.
public enum Outcome: Hashable, Sendable, CustomStringConvertible {
    /// A call answered with this error number.
    case refused(Errno)
    /// A transaction was refused and recorded in the bus's fault log by `source` (`tzc400`,
    /// `stage2`, `mali-protected-output`, `interconnect`).
    case fault(source: String)
    /// OP-TEE or a trusted application answered this result.
    case tee(TEEResult)
    /// An SMC answered this status, named as the headers name it (`SMCCC_RET_INVALID_PARAMETER`,
    /// `OPTEE_SMC_RETURN_EBADADDR`, `FFA_INVALID_PARAMETERS`).
    case smc(String)
    /// The invariant checker reported a violation of this kind.
    case violation(InvariantViolation.Kind)
    /// Every call went through (0, `TEE_SUCCESS`, an FF-A handle).
    case succeeded
    /// What a reader saw: `zeros`, or protected content.
    case reads(String)
    /// Nothing was refused and nothing was reported.
    case unnoticed

    public var description: String {
        switch self {
        case .refused(let errno): "refused with \(errno.name)"
        case .fault(let source): "fault recorded by \(source)"
        case .tee(let result): "\(result)"
        case .smc(let status): status
        case .violation(let kind): "violation reported by the invariant checker (\(kind.rawValue))"
        case .succeeded: "succeeded"
        case .reads(let what): "reads \(what)"
        case .unnoticed: "nothing refused and nothing reported"
        }
    }
}

/// What an attack saw: the outcome, and the detail behind it (the fault or violation as the
/// model wrote it, the calls that led there).
public struct Observation: Hashable, Sendable, CustomStringConvertible {
    public var outcome: Outcome
    public var detail: String

    public init(_ outcome: Outcome, _ detail: String = "") {
        self.outcome = outcome
        self.detail = detail
    }

    public var description: String { detail.isEmpty ? outcome.description : "\(outcome): \(detail)" }

    /// The same outcome with `more` added to the detail.
    func adding(_ more: String) -> Observation {
        Observation(outcome, detail.isEmpty ? more : "\(detail); \(more)")
    }
}

/// Why an attack could not be judged: its own set-up failed (a board that would not build, a
/// step before the attack that the model refused). Never the attack's outcome itself.
public struct AttackSetupError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// One attack: a small scenario that builds its own board, attacks it with normal-world
/// capabilities only (a process's system calls, a kernel driver's calls and SMCs, DMA
/// masters the kernel programs), and reports what the model answered.
///
/// The invariant checker (the oracle) may be installed around the attack to judge it: that is
/// the harness's power, not the attacker's.
public struct Attack: Sendable {
    /// kebab-case, unique in the catalogue.
    public let name: String
    public let category: AttackCategory
    /// Who attacks, with what normal-world capability.
    public let threat: String
    /// The outcome that means the model held (or, for what real systems let through, reported).
    public let expected: Outcome
    /// Why that outcome, and what real hardware or a real kernel would do.
    public let note: String
    /// Set for attacks real hardware or a real kernel lets through: what lets it through.
    public let letThrough: String?
    /// The board it builds (a name, for the report).
    public let board: String
    let body: @Sendable (AttackRun) throws -> Observation

    init(_ name: String, _ category: AttackCategory, board: String, threat: String, expected: Outcome, note: String,
         letThrough: String? = nil, run body: @escaping @Sendable (AttackRun) throws -> Observation) {
        self.name = name
        self.category = category
        self.board = board
        self.threat = threat
        self.expected = expected
        self.note = note
        self.letThrough = letThrough
        self.body = body
    }

    /// The expected outcome as the report prints it.
    public var expectedText: String {
        letThrough.map { "\(expected); real systems let it through: \($0)" } ?? expected.description
    }

    /// Runs the attack on a fresh board. A set-up failure is an observation too (never `ok`).
    ///
    /// An attack that expects no violation is judged by the checker as well: whatever it
    /// observed, a security violation the checker reports on its boards (a leak, a protected
    /// buffer the normal world can reach, unscrubbed free memory) is what it observed, since a
    /// refusal that still leaked is no refusal. Accounting is the model's bookkeeping, not
    /// something an attacker gains, and is left to the simulation's reports.
    public func run() -> AttackResult {
        let run = AttackRun()
        defer { for lab in run.labs { lab.tearDown() } }
        var observation: Observation
        do {
            observation = try body(run)
        } catch {
            observation = Observation(.unnoticed, "set-up failed: \(error)")
            return AttackResult(attack: self, observed: observation, ok: false)
        }
        if case .violation = expected {} else {
            let reported = run.labs.flatMap { $0.violations() }.filter { $0.kind != .accounting }
            if let first = reported.first {
                observation = Observation(.violation(first.kind), "besides \(observation): " + reported.map(\.description).joined(separator: "; "))
            }
        }
        return AttackResult(attack: self, observed: observation, ok: observation.outcome == expected)
    }
}

/// One run of an attack: the labs (boards) it built, which the harness asks the checker
/// about once the attack is done.
final class AttackRun {
    private(set) var labs: [Lab] = []

    /// A fresh board for the attack (see ``Lab/init(_:mainlineStaticPool:)``).
    func lab(_ configuration: BoardConfiguration, mainlineStaticPool: Bool = false) throws -> Lab {
        let lab = try Lab(configuration, mainlineStaticPool: mainlineStaticPool)
        labs.append(lab)
        return lab
    }
}

/// An attack's run: what it expected, what it observed, and whether they agree.
public struct AttackResult: Sendable {
    public let attack: Attack
    public let observed: Observation
    /// `observed.outcome == attack.expected`.
    public let ok: Bool
}
