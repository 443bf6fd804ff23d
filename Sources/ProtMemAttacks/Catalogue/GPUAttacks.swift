import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemUserspace

/// The GPU: a protected buffer bound into a user GPU VM is reachable only in protected mode
/// (the firewall refuses `gpu` and admits `gpu-protected`), and protected mode may write only
/// protected memory (the GPU model's protected-output rule, as integrators wire it).
extension AttackCatalogue {
    static let gpu: [Attack] = [
        Attack("gpu-normal-job-reads-protected-buffer", .gpu, board: "protmem-default",
               threat: """
                   an unprivileged GPU client that binds a protected-carveout dma-buf into its own GPU VM (VM_BIND) and reads it from a job outside \
                   any PROT_REGION
                   """,
               expected: .fault(source: "tzc400"),
               note: """
                   binding is allowed (importing protected buffers is how protected rendering works), but the job runs as gpu (NSAID 1), which the \
                   carve-out refuses; the job and its group fail
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(11, into: secret)
            let group = try bench.group(binding: [(secret, GPUBench.protectedVA)])
            lab.begin()
            return bench.outcome(of: GPUJob("peek", operations: [.read(GPUBench.protectedVA, size: 0x1000)]), on: group)
        },
        Attack("gpu-normal-job-writes-protected-buffer", .gpu, board: "protmem-default",
               threat: """
                   an unprivileged GPU client filling a protected-carveout buffer bound in its VM from a normal job (to corrupt what the protected \
                   pipeline reads)
                   """,
               expected: .fault(source: "tzc400"),
               note: "the carve-out refuses gpu writes too; nothing is written") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            let group = try bench.group(binding: [(secret, GPUBench.protectedVA)])
            lab.begin()
            return bench.outcome(of: GPUJob("scribble", operations: [.fill(GPUBench.protectedVA, size: 0x4000, byte: 0xee)]), on: group)
        },
        Attack("gpu-protected-job-copies-to-normal-buffer", .gpu, board: "protmem-default",
               threat: """
                   a GPU client submitting a job inside a PROT_REGION that copies its protected-carveout buffer into a system-heap buffer bound in \
                   the same VM
                   """,
               expected: .fault(source: "mali-protected-output"),
               note: """
                   the firewall's background region would let gpu-protected write DRAM; the GPU's protected-mode output rule refuses the write \
                   first, and the protected-mode fault resets the GPU
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            let leak = try lab.allocate("system", 0x4000)
            try lab.decode(12, into: secret)
            let group = try bench.group(binding: [(secret, GPUBench.protectedVA), (leak, GPUBench.normalVA)])
            lab.begin()
            let observed = bench.outcome(of: GPUJob("exfiltrate", protected: true, operations: [
                .copy(from: GPUBench.protectedVA, to: GPUBench.normalVA, size: 0x1000),
            ]), on: group)
            return lab.judged(.leak, otherwise: observed)
        },
        Attack("gpu-protected-job-writes-udmabuf", .gpu, board: "protmem-default",
               threat: """
                   an unprivileged process that turns its own memfd into a udmabuf, imports it into its GPU VM and writes to it from a protected job \
                   (hoping memory it can map itself passes for protected output)
                   """,
               expected: .fault(source: "mali-protected-output"),
               note: "udmabuf pages are ordinary shmem pages the CPU can read, so the protected-output rule refuses the write") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab)
            let process = lab.userspace.spawn(name: "gpu-client")
            let output: DMABuf
            do {
                let memfd = try process.memfdCreate(name: "scratch", flags: .allowSealing)
                try process.ftruncate(memfd, length: 0x4000)
                try process.addSeals(memfd, .shrink)
                let device = try process.open("/dev/udmabuf", flags: .readWrite)
                output = try lab.dmaBuf(try process.udmabufCreate(device, memfd: memfd, size: 0x4000), of: process)
            } catch {
                throw AttackSetupError("the udmabuf cannot be made: \(error)")
            }
            let group = try bench.group(binding: [(output, GPUBench.normalVA)])
            lab.begin()
            return bench.outcome(of: GPUJob("protected output", protected: true, operations: [
                .fill(GPUBench.normalVA, size: 0x1000, byte: 0x5a),
            ]), on: group)
        },
    ]

    static let suspendBuffers: [Attack] = [
        Attack("suspend-buffer-cpu-read", .suspendBuffer, board: "protmem-default",
               threat: """
                   a kernel driver reading, as the non-secure CPU, the protected suspend buffer panthor allocated for a group from the protected \
                   heap (where the firmware saves protected state)
                   """,
               expected: .fault(source: "tzc400"),
               note: """
                   the buffer comes from the heap the GPU node names (protected-carveout), behind the firewall; userspace cannot map it at all
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab)
            let group = try bench.group(binding: [])
            guard let suspend = bench.gpu.protectedSuspendBuffer(of: group), let range = suspend.chunks.first else {
                throw AttackSetupError("the group has no protected suspend buffer")
            }
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.cpuNonSecure, range.firstPage) }
        },
        Attack("suspend-buffer-too-small", .suspendBuffer, board: "protmem-default (userspace design)",
               threat: """
                   an unprivileged GPU client under the userspace design passing a one-page protected buffer as its group's protected suspend buffer \
                   at GROUP_CREATE (protm_suspend_size is 64 KiB), so the firmware's save would run past it
                   """,
               expected: .refused(.invalidArgument),
               note: "the driver checks the buffer against protm_suspend_size before mapping it") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab, userspaceDesign: true)
            let small = try lab.allocate("protected-carveout", 0x1000)
            return lab.attempt {
                let vm = try bench.gpu.createVM()
                _ = try bench.gpu.createGroup(vm: vm, priority: .high, protectedSuspendBuffer: small)
            }
        },
        Attack("suspend-buffer-ordinary-memory", .suspendBuffer, board: "protmem-default (userspace design)",
               threat: """
                   an unprivileged GPU client under the userspace design passing a system-heap buffer as its protected suspend buffer, then running \
                   a long protected job among competing groups so the scheduler suspends it in protected mode
                   """,
               expected: .fault(source: "mali-protected-output"),
               note: """
                   the driver cannot tell a protected dma-buf from an ordinary one, so it imports either; the firmware's save of protected state is \
                   a protected-mode write, which the output rule refuses for memory the CPU can read
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab, userspaceDesign: true, parameters: CSFParameters(groupSlots: 3))
            let ordinary = try lab.allocate("system", bench.gpu.protectedMemoryRequirements.groupSuspendSize)
            let victim = try bench.group(priority: .medium, binding: [], suspendBuffer: ordinary)
            var rivals: [GroupHandle] = []
            for _ in 0..<3 {
                let honest = try lab.allocate("protected-carveout", bench.gpu.protectedMemoryRequirements.groupSuspendSize)
                rivals.append(try bench.group(priority: .medium, binding: [], suspendBuffer: honest))
            }
            lab.begin()
            do {
                // The protected job runs alone first, so protected mode is entered; the rivals'
                // work then makes four runnable groups for three slots, and the periodic tick
                // rotates the protected group off its slot.
                try bench.gpu.submit(GPUJob("long protected", protected: true, duration: .milliseconds(200)), to: victim)
                _ = bench.events.advance(by: .milliseconds(1))
                for rival in rivals { try bench.gpu.submit(GPUJob("normal", duration: .milliseconds(50)), to: rival) }
            } catch {
                return lab.observation(of: error)
            }
            bench.runUntilIdle()
            let entries = bench.gpu.metrics.protectedModeEntries
            return lab.recordedFault(otherwise: Observation(.unnoticed, "no protected-mode save faulted (protected mode entries: \(entries))"))
        },
        Attack("suspend-buffer-bound-in-user-vm", .suspendBuffer, board: "protmem-default (userspace design)",
               threat: """
                   an unprivileged GPU client under the userspace design that binds its own protected suspend buffer into its GPU VM and reads the \
                   firmware's saved protected state from a normal job
                   """,
               expected: .fault(source: "tzc400"),
               note: "the suspend buffer is protected memory; outside protected mode the GPU is refused by the firewall") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let bench = try GPUBench(lab, userspaceDesign: true)
            let suspend = try lab.allocate("protected-carveout", bench.gpu.protectedMemoryRequirements.groupSuspendSize)
            let group = try bench.group(binding: [(suspend, GPUBench.protectedVA)], suspendBuffer: suspend)
            lab.begin()
            return bench.outcome(of: GPUJob("read saved state", operations: [.read(GPUBench.protectedVA, size: 0x1000)]), on: group)
        },
    ]
}
