import ProtMemDMABuf
import ProtMemMemory
import ProtMemPanthor
import ProtMemTime
import Synchronization

/// One open of `/dev/dri/renderD128`: a `drm_file` with its `panthor_file`. Handles are per
/// file and start at 1, as the kernel's IDRs and xarrays hand them out (GEM handles,
/// syncobjs, VM ids, group handles); closing the file releases everything it holds.
///
/// What it answers is `panthor_drv.c`'s, check for check and errno for errno; the comments in
/// the ioctl handlers name the kernel function each check comes from.
public final class PanthorRenderFile: Sendable {
    public let gpu: PanthorDevice

    struct Binding: Sendable {
        let vm: UInt32
        let va: UInt64
        let size: UInt64
        let handle: UInt32
    }

    enum Fence: Sendable {
        case none
        case signaled
        case job(JobHandle)
    }

    struct State: Sendable {
        var objects: [UInt32: DMABuf] = [:]
        var nextObject: UInt32 = 1
        var syncobjs: [UInt32: Fence] = [:]
        var nextSyncobj: UInt32 = 1
        var vms: [UInt32: VMHandle] = [:]
        var nextVM: UInt32 = 1
        var groups: [UInt32: (handle: GroupHandle, queues: Int, vm: UInt32)] = [:]
        var nextGroup: UInt32 = 1
        var bindings: [Binding] = []
        /// VMs whose id is gone but that a group still uses: `VM_DESTROY` only drops the
        /// pool's handle, the groups keep their reference (`panthor_vm_pool_destroy_vm`).
        var orphanedVMs: [VMHandle] = []
        var closed = false
    }

    let state = Mutex(State())

    init(gpu: PanthorDevice) {
        self.gpu = gpu
    }

    /// `drm_release` → `panthor_postclose`: groups destroyed, VMs destroyed, GEM handles put.
    func release() {
        let taken = state.withLock { state -> State in
            let taken = state
            state = State()
            state.closed = true
            return taken
        }
        for group in taken.groups.values { try? gpu.destroyGroup(group.handle) }
        var busy: [VMHandle] = []
        for vm in Array(taken.vms.values) + taken.orphanedVMs {
            do throws(Errno) { try gpu.destroyVM(vm) } catch .resourceBusy { busy.append(vm) } catch {}
        }
        // A group on a slot goes once the scheduler has terminated it; its VM (and what the
        // VM maps) goes after it, as the group's reference on the VM is the last one.
        Self.destroyWhenIdle(busy, gpu: gpu)
        // Each GEM handle holds the dma-buf it imported (drm_gem_object_release_handle).
        for buffer in taken.objects.values { try? buffer.put() }
    }

    /// Retries `vms` every scheduler tick until no group uses them. The pending event holds
    /// the device weakly: the device owns the queue the event waits in, and a strong
    /// reference would keep both alive when nobody runs the clock again.
    private static func destroyWhenIdle(_ vms: [VMHandle], gpu: PanthorDevice) {
        guard !vms.isEmpty else { return }
        _ = gpu.events.schedule(after: .milliseconds(10), "drm_file release: VMs") { [weak gpu] in
            guard let gpu else { return }
            var busy: [VMHandle] = []
            for vm in vms {
                do throws(Errno) { try gpu.destroyVM(vm) } catch .resourceBusy { busy.append(vm) } catch {}
            }
            destroyWhenIdle(busy, gpu: gpu)
        }
    }

    /// Destroys the orphaned VMs no group uses any more.
    func reapOrphanedVMs() {
        let orphans = state.withLock { state -> [VMHandle] in
            defer { state.orphanedVMs = [] }
            return state.orphanedVMs
        }
        var kept: [VMHandle] = []
        for vm in orphans {
            do throws(Errno) { try gpu.destroyVM(vm) } catch .resourceBusy { kept.append(vm) } catch {}
        }
        if !kept.isEmpty { state.withLock { $0.orphanedVMs += kept } }
    }

    /// The GEM objects this file holds, for `fdinfo` and the invariant checks.
    public var objectCount: Int { state.withLock { $0.objects.count } }
}

/// The render node's `/dev/dri` entry: DRM's major and the first render minor.
extension DeviceNumber {
    public static let drmMajor: UInt32 = 226
    public static let renderD128 = DeviceNumber(major: drmMajor, minor: 128)
}
