import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemSimulation
import ProtMemTime

/// The board's Panthor GPU, probed and booted from the synthetic firmware image (the real
/// images' layout, one PROT section), in virtual time: what a userspace GPU client reaches
/// through the DRM uAPI (VM_CREATE, VM_BIND, GROUP_CREATE, GROUP_SUBMIT).
struct GPUBench {
    static let protectedVA = GPUVirtualAddress(0x1_0000_0000)
    static let normalVA = GPUVirtualAddress(0x2_0000_0000)

    let lab: Lab
    let events: EventQueue
    let gpu: PanthorDevice

    /// The board's GPU under its own design (the default board's names the carve-out's heap),
    /// or under the userspace design with the firmware's protected buffer allocated from
    /// `firmwareHeap` and handed in, as userspace would.
    init(_ lab: Lab, userspaceDesign: Bool = false, firmwareHeap: String = "protected-carveout", parameters: CSFParameters = CSFParameters()) throws {
        self.lab = lab
        events = EventQueue()
        do {
            gpu = try lab.board.makeGPU(firmware: SyntheticFirmware.image, events: events, userspaceProtectedMemory: userspaceDesign, parameters: parameters)
            try gpu.probe()
            if userspaceDesign {
                let buffer = try lab.allocate(firmwareHeap, gpu.protectedMemoryRequirements.firmwareSectionsSize)
                try gpu.installProtectedFirmwareBuffer(buffer)
                try buffer.put()
            }
        } catch let error as AttackSetupError {
            throw error
        } catch {
            throw AttackSetupError("the GPU does not come up on \(lab.board.name): \(error)")
        }
    }

    /// Runs virtual time until nothing is scheduled (bounded, so a runaway cannot hang a run).
    func runUntilIdle() {
        _ = events.runUntilEmpty(limit: 200_000)
    }

    /// A VM with `bindings` bound at their addresses, and a group on it.
    func group(priority: GroupPriority = .high, binding bindings: [(DMABuf, GPUVirtualAddress)], suspendBuffer: DMABuf? = nil) throws -> GroupHandle {
        do {
            let vm = try gpu.createVM()
            for (buffer, va) in bindings { try gpu.bind(buffer, in: vm, at: va) }
            return try gpu.createGroup(vm: vm, priority: priority, protectedSuspendBuffer: suspendBuffer)
        } catch {
            throw AttackSetupError("the GPU client cannot set up its VM and group: \(error)")
        }
    }

    /// Submits `job`, runs it to the end, and reports how it ended: the fault that failed it
    /// (or failed its group), or what its last read saw.
    func outcome(of job: GPUJob, on group: GroupHandle) -> Observation {
        let handle: JobHandle
        do {
            handle = try gpu.submit(job, to: group)
        } catch {
            return lab.observation(of: error)
        }
        runUntilIdle()
        switch gpu.jobState(handle) {
        case .failed(.fault(let fault)):
            return lab.observation(of: fault)
        case .failed(.groupFailed(let reason)):
            return lab.recordedFault(otherwise: Observation(.unnoticed, "group failed: \(reason)"))
        case .completed(_, let readBack):
            if let readBack { return Observation(.reads(Lab.describe(readBack)), "the job completed") }
            return lab.recordedFault(otherwise: Observation(.succeeded, "the job completed"))
        case let state:
            return Observation(.unnoticed, "the job did not finish: \(String(describing: state))")
        }
    }
}
