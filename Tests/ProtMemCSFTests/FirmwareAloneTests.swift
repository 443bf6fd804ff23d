@_spi(CSFHost) import ProtMemCSF
import ProtMemMemory
import ProtMemTime
import Testing

/// The firmware model driven as a host drives it, with no driver at all (this target depends on
/// ProtMemCSF alone): requests written into the shared interface section, doorbells rung, and
/// what comes back read from the output pages, the registers and the firmware's actions.
@Suite struct FirmwareAloneTests {
    let parameters = CSFParameters()

    func makeGPU() throws -> GPUHardware {
        let dram = try #require(PhysicalRange(base: PhysicalAddress(0x8000_0000), size: 1 << 20))
        let memory = try PhysicalMemory(ranges: [dram])
        return GPUHardware(parameters: parameters, memoryAccess: GPUMemoryAccess(bus: Bus(memory: memory)))
    }

    /// The actions of the last step, in order.
    func actions(_ firmware: CSFFirmware) -> [FirmwareAction] { Array(firmware.actions[..<firmware.actionCount]) }

    @Test func aGlobalRequestIsAcknowledgedWithTheInterruptTheHostAskedFor() throws {
        var gpu = try makeGPU()
        var firmware = CSFFirmware(parameters: parameters)
        // Not booted: a doorbell finds nobody to answer it.
        gpu.interface.global.input.req = RequestAcknowledge.toggle(req: 0, ack: 0, mask: GlobalRequest.ping.rawValue)
        firmware.doorbell(GPURegister.globalDoorbell, now: VirtualInstant(rawValue: 0), gpu: &gpu)
        #expect(gpu.interface.global.pendingRequests == .ping)
        #expect(firmware.actionCount == 0)

        firmware.boot(mcuSpace: nil, protectedStateVA: nil, gpu: &gpu)
        // The boot laid out a fresh section: the host writes its requests again.
        #expect(gpu.interface.global.control.groupCount == parameters.groupSlots)
        gpu.interface.global.input.ackIRQMask = GlobalRequest.ping.rawValue
        gpu.interface.global.input.req = RequestAcknowledge.toggle(req: gpu.interface.global.input.req, ack: gpu.interface.global.output.ack,
                                                                   mask: GlobalRequest.ping.rawValue)
        #expect(gpu.interface.global.pendingRequests == .ping)
        firmware.doorbell(GPURegister.globalDoorbell, now: VirtualInstant(rawValue: 5_000), gpu: &gpu)
        #expect(gpu.interface.global.pendingRequests.isEmpty, "GLB_PING not acknowledged")
        #expect(gpu.registers.jobRaw.contains(.globalInterface))
        guard case .interrupt? = actions(firmware).first else {
            Issue.record("no interrupt raised: \(actions(firmware))")
            return
        }
        firmware.clearActions()
        #expect(firmware.actionCount == 0)
    }

    @Test func aStartedGroupRunsTheJobOfItsRingAndSignalsItsCompletion() throws {
        var gpu = try makeGPU()
        var firmware = CSFFirmware(parameters: parameters)
        firmware.boot(mcuSpace: nil, protectedStateVA: nil, gpu: &gpu)
        // The ring in GPU memory, with one job, and the address space its CSG runs in.
        let rings = RingSetID(rawValue: 7)
        gpu.rings.insert(CommandRingSet(space: GPUMMU().createContext(), queueCount: 1), for: rings)
        let index = gpu.rings.update(rings) {
            $0.append(CommandStreamRing.Entry(job: GPUJob("blit", duration: .microseconds(100)), remaining: .microseconds(100)), queue: 0, cancelled: false)
        }
        #expect(index == 0)
        // The host programs CSG slot 0 and its CS 0 (as `csg_slot_prog_locked` and
        // `cs_slot_prog_locked` do), starts both, and rings the CSG through doorbell 0.
        gpu.interface.groups[0].streams[0].input.ring = RingReference(set: rings, queue: 0)
        gpu.interface.groups[0].streams[0].input.req = StreamRequest.stateStart
        gpu.interface.groups[0].input.ackIRQMask = GroupRequest.eventMask.rawValue
        gpu.interface.groups[0].input.req = GroupSlotState.start.rawValue
        gpu.interface.global.input.doorbellReq ^= 1
        firmware.doorbell(GPURegister.globalDoorbell, now: VirtualInstant(rawValue: 10_000), gpu: &gpu)
        #expect(gpu.interface.groups[0].acknowledgedState == .start)
        #expect(gpu.interface.global.output.doorbellAck == gpu.interface.global.input.doorbellReq)
        #expect(gpu.rings[rings]?.progress(queue: 0, sequence: 0) == .pending)
        var timer: (slot: Int, stream: Int, token: UInt64, after: UInt64)?
        var started = false
        for action in actions(firmware) {
            switch action {
            case .schedule(let nanoseconds, .jobDone(let slot, let stream, let token, let ring, let job)):
                #expect(ring == RingReference(set: rings, queue: 0) && job == 0)
                timer = (slot, stream, token, nanoseconds)
            case .trace(.jobStarted(let ring, let job, let isProtected)):
                started = ring.set == rings && job == 0 && !isProtected
            default: break
            }
        }
        #expect(started, "no jobStarted in \(actions(firmware))")
        let run = try #require(timer, "no job timer in \(actions(firmware))")
        #expect(run.after == 100_000)
        firmware.clearActions()

        // The run is over: the job completes, and the CSG signals CSG_SYNC_UPDATE.
        gpu.registers.jobRaw = []
        firmware.complete(slot: run.slot, stream: run.stream, token: run.token, now: VirtualInstant(rawValue: 110_000), gpu: &gpu)
        #expect(gpu.rings[rings]?.progress(queue: 0, sequence: 0) == .completed(at: VirtualInstant(rawValue: 110_000)))
        #expect(gpu.registers.jobRaw.contains(.groupInterface(0)))
        let events = GroupRequest(rawValue: RequestAcknowledge.pending(req: gpu.interface.groups[0].input.req, ack: gpu.interface.groups[0].output.ack,
                                                                       mask: GroupRequest.eventMask.rawValue))
        #expect(events == .syncUpdate)
        #expect(firmware.metrics.jobsCompleted == 1)
        // A stale timer (a token of no run) does nothing.
        firmware.clearActions()
        firmware.complete(slot: run.slot, stream: run.stream, token: run.token, now: VirtualInstant(rawValue: 120_000), gpu: &gpu)
        #expect(firmware.actionCount == 0)
        #expect(firmware.metrics.jobsCompleted == 1)
        firmware._checkInvariants(gpu)
    }
}
