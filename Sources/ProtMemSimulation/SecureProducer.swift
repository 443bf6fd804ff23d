import ProtMemMemory
import ProtMemSecureWorld

/// The producer of protected content: a secure decode or capture session, as OEMCrypto's
/// `DecryptCENC` or a secure ISP pipeline is. Before it writes a frame's content it checks
/// that its output is a secure buffer, as such sessions do: memory the secure world holds
/// protected for it (a firewall protection, or an FF-A lend or share, that lets this master
/// write there). Memory taken back from under a live buffer (a reclaim the secure world could
/// not refuse) is no longer that, and gets no protected content. What the secure world's
/// protection is worth is another matter: under upstream pKVM a lent page is the producer's
/// and still the host CPU's, and the invariant checker reports what the CPU then reads.
///
/// The refusal is the producer's, not the bus's: it is thrown, and the bus's log stays the
/// bus's. In the simulation protected content is a ``ContentMarker``, written at the start of
/// the output. One producer per thread (it keeps its last answer).
public struct SecureProducer {
    /// The fault source a refusal names.
    public static let faultSource = "secure-producer"

    public let monitor: SecureMonitor
    /// The last question and its answer, while neither the monitor's nor the hypervisor's
    /// protections have changed: a playback asks about the same few buffers every frame.
    private var memo: (monitor: UInt64, hypervisor: UInt64, range: PhysicalRange, master: MasterID, secure: Bool)?

    public init(monitor: SecureMonitor) {
        self.monitor = monitor
    }

    /// Whether `master` may produce protected content into `range`: some protection in force
    /// covers all of it and grants `master` write.
    public mutating func isSecureBuffer(_ range: PhysicalRange, for master: BusMaster) -> Bool {
        let generations = (monitor.protectionGeneration, monitor.hypervisor?.protectionGeneration ?? 0)
        if let memo, memo.monitor == generations.0, memo.hypervisor == generations.1, memo.range == range, memo.master == master.id {
            return memo.secure
        }
        let name = master.name
        let records = monitor.protections + (monitor.hypervisor?.protections ?? [])
        let secure = records.contains { $0.range.contains(range) && $0.writers.contains(name) }
        memo = (generations.0, generations.1, range, master.id, secure)
        return secure
    }

    /// Writes content `id` as `master` at the start of `output`, or refuses.
    public mutating func produce(_ id: UInt64, as master: BusMaster, into output: PhysicalRange, on bus: Bus) throws(AccessFault) {
        let marker = PhysicalRange(base: output.base, size: UInt64(ContentMarker.size))!
        guard isSecureBuffer(marker, for: master) else {
            throw AccessFault(master: master, address: marker.base, size: marker.size, kind: .write, source: Self.faultSource,
                              reason: "output \(output) is not a secure buffer: no protection in force lets \(master.name) write protected content there")
        }
        try bus.write(master, at: output.base, count: ContentMarker.size) { ContentMarker.write(id: id, into: $0) }
    }
}
