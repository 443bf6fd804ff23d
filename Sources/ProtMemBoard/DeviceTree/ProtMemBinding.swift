/// The compatibles and properties ProtMem defines (vendor prefix `protmem,`) or reads from
/// other bindings. Each `protmem,` name has a dt-schema document in `Documentation/bindings/`.
public enum ProtMemBinding {
    // MARK: Nodes ProtMem defines
    /// A `/reserved-memory` child: a firewalled carve-out behind a carve-out heap.
    public static let protectedCarveout = "protmem,protected-carveout"
    /// A `/reserved-memory` child: a firewalled region without a heap.
    public static let protectedRegion = "protmem,protected-region"
    /// A heap device node: exports one protected heap to consumers that point at it.
    public static let protectedHeap = "protmem,protected-heap"
    /// A `/reserved-memory` child: the carve-out MediaTek's secure-memory TA manages.
    public static let mediatekSecureMemory = "protmem,mtk-secmem"
    /// A `/firmware` child: a pKVM-style hypervisor, its FF-A endpoints (`ffa-endpoint@<id>`
    /// children) and the heap that lends to one of them.
    public static let pkvm = "protmem,pkvm"

    // MARK: Properties ProtMem defines
    /// String: the heap's name (carve-outs, heap devices backed by a named heap).
    public static let heapName = "protmem,heap-name"
    /// String list of bus-master names that may read / write the protected memory.
    public static let readers = "protmem,readers"
    public static let writers = "protmem,writers"
    /// String: `tee-heap` (default) or `restricted-heap`, how CPU access is refused.
    public static let cpuAccess = "protmem,cpu-access"
    /// On a `protmem,protected-carveout` node: `first-fit` (the default, `gen_pool`'s) or
    /// `extent-tree`: what hands the carve-out out.
    public static let allocator = "protmem,allocator"
    /// On a GPU node: phandle of a `protmem,protected-heap` node.
    public static let gpuProtectedHeap = "protmem,protected-heap"
    /// On OP-TEE's node: phandle of the `no-map` region that is its static protected pool.
    public static let staticPool = "protmem,static-pool"
    /// On OP-TEE's node: u64, the least memory lent per dynamic pool (`LEND_PROTMEM`).
    public static let dynamicPoolMinimumSize = "protmem,dynamic-pool-min-size"
    /// On OP-TEE's node: u64, the alignment of lent memory (default one page).
    public static let dynamicPoolAlignment = "protmem,dynamic-pool-alignment"
    /// On the hypervisor's node: phandle of the `ffa-endpoint@<id>` child its heap lends to.
    public static let heapEndpoint = "protmem,heap-endpoint"
    /// On the hypervisor's node: string, `strict` (lent pages leave the host's stage 2) or
    /// `upstream` (upstream pKVM: LEND is SHARE for the host's stage 2).
    public static let lendModel = "protmem,lend-model"

    /// Every `protmem,` compatible and property above: each has a binding document.
    public static let protmemNames: [String] = [
        protectedCarveout, protectedRegion, protectedHeap, mediatekSecureMemory, pkvm, heapName, readers, writers, cpuAccess, allocator,
        gpuProtectedHeap, staticPool, dynamicPoolMinimumSize, dynamicPoolAlignment, heapEndpoint, lendModel,
    ]

    // MARK: Names other bindings define
    public static let valhallCSF = "arm,mali-valhall-csf"
    public static let optee = "linaro,optee-tz"
    public static let mediatekDynamicRegion = "mediatek,dynamic-restricted-region"
    /// The Panthor protected-mode RFC's GPU property.
    public static let protectedHeapName = "protected-heap-name"
}
