import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemSimulation

/// The attacks whose answer depends on how the GPU gets its protected memory, run under each
/// design on the same board (`protmem compare` counts them per design).
///
/// An attack succeeds when the model lets it through: a master outside the GPU reached the
/// GPU's protected state (its protected suspend buffers, its firmware's protected sections),
/// or protected output landed where the normal world can read it. Where a design gives the
/// attacker no way in at all (no ioctl takes the buffer), the attack does not apply and is
/// not counted as run.
public enum DesignAttacks {
    public struct Result: Hashable, Sendable {
        public let name: String
        /// Who attacks, with what capability.
        public let threat: String
        public let design: Design
        /// `nil` when the attack does not apply to the design (``reason`` says why).
        public let succeeded: Bool?
        /// What the model answered, or why the attack does not apply.
        public let reason: String
    }

    struct Entry: Sendable {
        let name: String
        let threat: String
        /// The attack's steps on a lab of the design's board; `nil` when it does not apply.
        let run: @Sendable (Design, BoardConfiguration) throws -> (Observation, succeeded: Bool)?
        /// Why the attack does not apply where ``run`` answers `nil`.
        var notApplicable: String = ""
    }

    /// The attacks, by name.
    public static var names: [String] { entries.map(\.name) }

    /// Runs every design attack under `design` on `board` (each on a fresh board).
    public static func run(_ design: Design, on board: BoardConfiguration = .builtinDefault) -> [Result] {
        entries.map { entry in
            do {
                guard let (observation, succeeded) = try entry.run(design, board) else {
                    return Result(name: entry.name, threat: entry.threat, design: design, succeeded: nil, reason: entry.notApplicable)
                }
                return Result(name: entry.name, threat: entry.threat, design: design, succeeded: succeeded, reason: observation.description)
            } catch {
                return Result(name: entry.name, threat: entry.threat, design: design, succeeded: nil, reason: "could not be set up: \(error)")
            }
        }
    }

    /// A lab on `board` made to give its GPU protected memory as `design` does, with the GPU
    /// probed and, under userspace-import, the firmware's protected sections handed in from
    /// `firmwareHeap` (the design's protected heap when `nil`), and one group with its
    /// protected suspend buffer.
    private static func bench(_ design: Design, _ board: BoardConfiguration, firmwareHeap: String? = nil) throws -> (Lab, GPUBench, GroupHandle, heap: String) {
        let (configured, heap, userspace): (BoardConfiguration, String, Bool)
        do {
            (configured, heap, userspace) = try design.apply(to: board)
        } catch {
            throw AttackSetupError("\(error)")
        }
        let lab = try Lab(configured)
        let bench = try GPUBench(lab, userspaceDesign: userspace, firmwareHeap: firmwareHeap ?? heap)
        var suspend: DMABuf?
        if userspace { suspend = try lab.allocate(heap, bench.gpu.protectedMemoryRequirements.groupSuspendSize) }
        let group = try bench.group(binding: [], suspendBuffer: suspend)
        try? suspend?.put()
        return (lab, bench, group, heap)
    }

    static let entries: [Entry] = [
        Entry(name: "dma-master-writes-gpu-suspend-buffer",
              threat: """
                  a compromised camera (its firmware, or the kernel programming its DMA) writing the physical pages of a GPU group's protected \
                  suspend buffer, where the firmware saves the group's protected state
                  """,
              run: { design, board in
                  let (lab, bench, group, _) = try bench(design, board)
                  defer { lab.tearDown() }
                  guard let range = bench.gpu.protectedSuspendBuffer(of: group)?.chunks.first?.firstPage else {
                      throw AttackSetupError("the group has no protected suspend buffer")
                  }
                  lab.begin()
                  let observed = lab.attempt { try lab.board.bus.write(.camera, at: range.base, bytes: [UInt8](repeating: 0xee, count: 64)) }
                  return (observed, observed.outcome == .succeeded)
              }),
        Entry(name: "dma-master-reads-gpu-firmware-protected-section",
              threat: """
                  a compromised video decoder reading the physical pages of the GPU firmware's protected section (its protected-mode state) \
                  through its own DMA
                  """,
              run: { design, board in
                  let (lab, bench, _, _) = try bench(design, board)
                  defer { lab.tearDown() }
                  let sections = bench.gpu.firmwareSections.filter { if case .protected = $0.memory { true } else { false } }
                  guard let range = sections.first?.chunks.first?.firstPage else { throw AttackSetupError("the firmware has no protected section in place") }
                  lab.begin()
                  let observed = lab.attempt { _ = try lab.board.bus.read(.codec, range) }
                  return (observed, observed.outcome == .succeeded)
              }),
        Entry(name: "cpu-reads-gpu-suspend-buffer",
              threat: "a kernel driver reading, as the non-secure CPU, a GPU group's protected suspend buffer",
              run: { design, board in
                  let (lab, bench, group, _) = try bench(design, board)
                  defer { lab.tearDown() }
                  guard let range = bench.gpu.protectedSuspendBuffer(of: group)?.chunks.first?.firstPage else {
                      throw AttackSetupError("the group has no protected suspend buffer")
                  }
                  lab.begin()
                  let observed = lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range) }
                  return (observed, observed.outcome == .succeeded)
              }),
        Entry(name: "ordinary-memory-as-firmware-sections",
              threat: """
                  a GPU client handing a system-heap buffer in as the firmware's protected sections (Chia-I Wu's report), then running a \
                  protected job, so the firmware's protected-mode state would go to memory the CPU reads
                  """,
              run: { design, board in
                  guard design == .userspace else { return nil }
                  let (lab, bench, group, _) = try bench(design, board, firmwareHeap: "system")
                  defer { lab.tearDown() }
                  lab.begin()
                  let observed = bench.outcome(of: GPUJob("protected", protected: true), on: group)
                  // Through only if protected-mode output reached the ordinary buffer unrefused.
                  let through: Bool
                  switch observed.outcome {
                  case .succeeded, .unnoticed, .reads, .violation: through = true
                  default: through = false
                  }
                  return (observed, through)
              },
              notApplicable: "the kernel allocates the firmware's protected sections itself: no ioctl takes a buffer for them"),
    ]
}
