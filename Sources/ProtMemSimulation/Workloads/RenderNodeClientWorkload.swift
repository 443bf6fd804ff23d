import ProtMemMemory
import ProtMemTime
import ProtMemUserspace
import Synchronization

/// A userspace GPU client, as Mesa is: a process that allocates its frame from
/// `/dev/dma_heap`, opens `/dev/dri/renderD128`, asks `DEV_QUERY_PROTECTED_INFO`, makes a VM,
/// imports (PRIME) and binds its buffers, creates a group (`GROUP_CREATE_PROTECTED` when the
/// device reports protected mode), and each frame submits a command stream whose store lies
/// in a `PROT_REGION`, polling the previous frame's syncobj first.
///
/// Every call is an ioctl on the render node, issued through the ABI-script runner, so a run
/// exercises exactly the calls the shipped ABI scripts check. Under the userspace-import design
/// the client passes its group's protected suspend buffer at `GROUP_CREATE` (the firmware's
/// sections were imported at boot).
final class RenderNodeClientWorkload: SimulatedWorkload, Sendable {
    let name = "render-node-client"
    let client: Workload.RenderNodeClient

    private struct State {
        var process: UserProcess?
        var runner: ABIScriptRunner?
        var submitted: UInt64 = 0
        var completed: UInt64 = 0
        /// Frames not submitted because the previous one had not finished.
        var skipped: UInt64 = 0
        var pending = false
        var failure: String?
    }
    private let state = Mutex(State())

    init(_ client: Workload.RenderNodeClient) { self.client = client }

    /// MOVE48 r0 = 0x1000000; MOVE32 r2 = 0xdeadbeef; PROT_REGION 1; STORE_MULTIPLE r2 → [r0].
    static let protectedStore = "0000000100000001efbeadde0000020201000000000000290000010000000215"
    static let frameVA = "0x1000000"
    static let streamVA = "0x2000000"

    func start(_ context: SimulationContext) throws(SimulationError) {
        let heap = client.heap ?? context.protectedHeap
        let process = context.userspace.spawn(name: "mesa")
        let runner = ABIScriptRunner(process: process)
        state.withLock { state in
            state.process = process
            state.runner = runner
        }
        func call(_ line: String) throws(SimulationError) -> ABIScriptResult.Outcome {
            let result: ABIScriptResult?
            do {
                result = try runner.run(line: line, number: 0)
            } catch {
                throw SimulationError("render-node-client: \(error)")
            }
            return result!.outcome
        }
        func must(_ line: String) throws(SimulationError) -> ABIScriptResult.Outcome {
            let outcome = try call(line)
            if case .failed(let errno) = outcome { throw SimulationError("render-node-client: \(errno) from \(line)") }
            return outcome
        }
        _ = try must(#"{"op": "open", "path": "/dev/dma_heap/\#(heap)", "flags": "O_RDWR|O_CLOEXEC", "as": "heap"}"#)
        _ = try must(#"{"op": "alloc", "fd": "heap", "len": 65536, "fd_flags": "O_RDWR|O_CLOEXEC", "heap_flags": 0, "as": "frame"}"#)
        _ = try must(#"{"op": "open", "path": "/dev/dma_heap/system", "flags": "O_RDWR|O_CLOEXEC", "as": "sys"}"#)
        _ = try must(#"{"op": "alloc", "fd": "sys", "len": 4096, "fd_flags": "O_RDWR|O_CLOEXEC", "heap_flags": 0, "as": "cs"}"#)
        _ = try must(#"{"op": "mmap", "fd": "cs", "len": 4096, "prot": "PROT_READ|PROT_WRITE", "flags": "MAP_SHARED", "as": "csmap"}"#)
        _ = try must(#"{"op": "write", "map": "csmap", "hex": "\#(Self.protectedStore)"}"#)
        _ = try must(#"{"op": "open", "path": "/dev/dri/renderD128", "flags": "O_RDWR|O_CLOEXEC", "as": "gpu"}"#)
        let info = try must(#"{"op": "dev_query", "fd": "gpu", "type": "DRM_PANTHOR_DEV_QUERY_PROTECTED_INFO"}"#)
        var protectedMode = false
        if case .fields(let fields) = info { protectedMode = fields.contains { $0.key == "features" && $0.value.contains("BASIC") } }
        _ = try must(#"{"op": "vm_create", "fd": "gpu", "as": "vm"}"#)
        _ = try must(#"{"op": "prime_import", "fd": "gpu", "buf": "frame", "as": "frame_bo"}"#)
        _ = try must(#"{"op": "prime_import", "fd": "gpu", "buf": "cs", "as": "cs_bo"}"#)
        _ = try must(#"{"op": "vm_bind", "fd": "gpu", "vm": "vm", "bo": "frame_bo", "va": "\#(Self.frameVA)", "size": 65536}"#)
        _ = try must(#"{"op": "vm_bind", "fd": "gpu", "vm": "vm", "bo": "cs_bo", "va": "\#(Self.streamVA)", "size": 4096}"#)
        var group = #"{"op": "group_create", "fd": "gpu", "vm": "vm", "as": "g""#
        if protectedMode {
            group += #", "flags": "DRM_PANTHOR_GROUP_CREATE_PROTECTED""#
            if context.userspaceDesign {
                _ = try must(#"{"op": "alloc", "fd": "heap", "len": 65536, "fd_flags": "O_RDWR|O_CLOEXEC", "heap_flags": 0, "as": "suspend"}"#)
                _ = try must(#"{"op": "prime_import", "fd": "gpu", "buf": "suspend", "as": "suspend_bo"}"#)
                group += #", "suspend_bo": "suspend_bo""#
            }
        } else {
            context.recorder.fault("gpu", "render-node-client: DEV_QUERY_PROTECTED_INFO reports no protected mode; frames stay unprotected and block", at: context.now)
        }
        _ = try must(group + "}")
        _ = try must(#"{"op": "syncobj_create", "fd": "gpu", "as": "done"}"#)
        schedule(context)
    }

    private func schedule(_ context: SimulationContext) {
        let period = VirtualDuration.nanoseconds(1_000_000_000 / UInt64(client.frameRate))
        guard context.now + period <= context.end else { return }
        _ = context.events.schedule(after: period, "render-node-client frame") { [self] in frame(context) }
    }

    /// One frame: poll the previous frame's fence (a zero timeout), then submit the next
    /// unless the previous is still running.
    private func frame(_ context: SimulationContext) {
        guard let runner = state.withLock({ $0.failure == nil ? $0.runner : nil }) else { return }
        let run = { (line: String) -> ABIScriptResult.Outcome in
            (try? runner.run(line: line, number: 0))??.outcome ?? .failed(errno: "malformed")
        }
        if state.withLock({ $0.pending }) {
            switch run(#"{"op": "syncobj_wait", "fd": "gpu", "syncobj": "done", "timeout_ms": 0}"#) {
            case .ok:
                state.withLock { state in
                    state.completed += 1
                    state.pending = false
                }
            default:
                state.withLock { $0.skipped += 1 }
                schedule(context)
                return
            }
            if case .fields(let fields) = run(#"{"op": "group_get_state", "fd": "gpu", "group": "g"}"#),
               let flags = fields.first(where: { $0.key == "state" })?.value, flags != "0" {
                state.withLock { $0.failure = "the group is \(flags)" }
                context.recorder.fault("gpu", "render-node-client: group state \(flags)", at: context.now)
                return
            }
        }
        let outcome = run(#"{"op": "group_submit", "fd": "gpu", "group": "g", "stream_addr": "\#(Self.streamVA)", "stream_size": 32, "signal": "done"}"#)
        if case .failed(let errno) = outcome {
            state.withLock { $0.failure = "GROUP_SUBMIT answered \(errno)" }
            context.recorder.fault("gpu", "render-node-client: GROUP_SUBMIT answered \(errno)", at: context.now)
            return
        }
        state.withLock { state in
            state.submitted += 1
            state.pending = true
        }
        schedule(context)
    }

    func finish(_ context: SimulationContext) {
        let process = state.withLock { state in
            defer {
                state.process = nil
                state.runner = nil
            }
            return state.process
        }
        process?.exit()
    }

    func shortfall(_ context: SimulationContext) -> (asked: UInt64, done: UInt64, reason: String)? {
        let asked = context.end.rawValue / (1_000_000_000 / UInt64(client.frameRate))
        let (completed, skipped, pending, failure) = state.withLock { ($0.completed, $0.skipped, $0.pending, $0.failure) }
        let done = completed + (pending ? 1 : 0)
        guard done < asked else { return nil }
        let reason = failure ?? (skipped > 0 ? "\(skipped) frame(s) found the previous one still running" : "the run ended first")
        return (asked, done, reason)
    }
}
