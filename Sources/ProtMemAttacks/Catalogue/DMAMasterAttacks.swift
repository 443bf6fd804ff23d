import ProtMemDMABuf
import ProtMemDevices
import ProtMemMemory
import ProtMemPanthor
import ProtMemSimulation

/// DMA masters the kernel programs: ones the firewall does not grant a protected pool (the
/// TZC-400 tells them apart by NSAID), and one it grants used as a copy engine, which no
/// firewall can stop and only the invariant checker sees.
extension AttackCatalogue {
    static let dmaMasters: [Attack] = [
        Attack("dma-camera-reads-secure-video", .dmaMaster, board: "protmem-default",
               threat: """
                   the kernel programming the camera ISP for memory-to-memory reprocessing with a secure-video buffer (OP-TEE's static pool) as its \
                   input
                   """,
               expected: .fault(source: "tzc400"),
               note: """
                   the secure-video grant lets the protected GPU, the codec and the display read; the camera's NSAID (5) is not among them
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected,secure-video", 0x4000)
            try lab.decode(3, into: buffer)
            let range = try lab.chunks(of: buffer)[0]
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.camera, range) }
        },
        Attack("dma-camera-captures-into-secure-video", .dmaMaster, board: "protmem-default",
               threat: "the kernel attaching a secure-video buffer to the camera ISP as a capture buffer and starting a capture",
               expected: .fault(source: "tzc400"),
               note: "the secure-video use case's writers are the protected GPU and the codec; the camera writes only its record pool") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected,secure-video", 0x4000)
            let camera = CameraISP(bus: lab.board.bus)
            let held = try camera.attachCapture(buffer)
            // The attachment pins the buffer: detached once the attempt is judged, or the lab's
            // teardown cannot release it.
            defer { try? camera.detach(held) }
            lab.begin()
            return lab.attempt { try camera.capture(stream: 1, frame: 0, frameSize: 0x4000, into: held) }
        },
        Attack("dma-display-writes-secure-video", .dmaMaster, board: "protmem-default",
               threat: "the kernel programming the display controller's write-back engine to write into a live secure-video buffer",
               expected: .fault(source: "tzc400"),
               note: "the display may read secure-video memory (scan-out) but not write it") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected,secure-video", 0x4000)
            let range = try lab.chunks(of: buffer)[0]
            lab.begin()
            return lab.attempt { try lab.board.bus.write(.display, at: range.base, bytes: [UInt8](repeating: 0, count: 0x1000)) }
        },
        Attack("dma-gpu-reads-carveout-outside-protected-mode", .dmaMaster, board: "protmem-default",
               threat: """
                   the kernel pointing a GPU DMA at a protected-carveout buffer while the GPU runs normal work (its transactions carry NSAID 1, not \
                   the protected-mode NSAID 2)
                   """,
               expected: .fault(source: "tzc400"),
               note: "the carve-out grants gpu-protected, never gpu: the firewall tells the GPU's two identities apart") { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let buffer = try lab.allocate("protected-carveout", 0x4000)
            try lab.decode(4, into: buffer)
            let range = try lab.chunks(of: buffer)[0]
            lab.begin()
            return lab.attempt { _ = try lab.board.bus.read(.gpu, range) }
        },
        Attack("dma-codec-copies-protected-out", .dmaMaster, board: "protmem-default",
               threat: """
                   the kernel programming the video codec, which may read protected-carveout memory and write ordinary RAM, to copy a decoded \
                   protected frame into a system-heap buffer
                   """,
               expected: .violation(.leak),
               note: """
                   both halves of the copy are transactions the TZC-400 admits (a reader of the carve-out, a writer of DRAM); the checker sees \
                   protected content written into memory the CPU can read
                   """,
               letThrough: """
                   a TZC-400 checks each transaction on its own, so a master granted a protected read and an ordinary write is a copy engine; only \
                   the integrator's choice of grants (or an SMMU) stops it
                   """) { attack in
            let lab = try attack.lab(AttackBoards.builtin)
            let secret = try lab.allocate("protected-carveout", 0x4000)
            let leak = try lab.allocate("system", 0x4000)
            try lab.decode(5, into: secret)
            let from = try lab.chunks(of: secret)[0], to = try lab.chunks(of: leak)[0]
            lab.begin()
            let copied = lab.attempt { try lab.board.bus.copy(.codec, from: from.base, to: to.base, count: 0x1000) }
            return lab.judged(.leak, otherwise: copied)
        },
    ]
}
