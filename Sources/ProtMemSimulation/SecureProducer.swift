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
    /// The board's hypervisor, if any: attached while the board is built, before any producer.
    private let hypervisor: Hypervisor?
    /// The ranges the last master asked about may write, while neither the monitor's nor the
    /// hypervisor's protections have changed: a playback asks about the same master and a
    /// few buffers every frame, and the records change only when a pool grows or shrinks.
    private var writable: (monitor: UInt64, hypervisor: UInt64, master: MasterID, ranges: [PhysicalRange])?

    public init(monitor: SecureMonitor) {
        self.monitor = monitor
        self.hypervisor = monitor.hypervisor
    }

    /// Whether `master` may produce protected content into `range`: one protection in force
    /// covers all of it and grants `master` write.
    public mutating func isSecureBuffer(_ range: PhysicalRange, for master: BusMaster) -> Bool {
        let generations = (monitor.protectionGeneration, hypervisor?.protectionGeneration ?? 0)
        if let writable, writable.monitor == generations.0, writable.hypervisor == generations.1, writable.master == master.id {
            return writable.ranges.contains { $0.contains(range) }
        }
        let name = master.name
        let ranges = (monitor.protections + (hypervisor?.protections ?? [])).filter { $0.writers.contains(name) }.map(\.range)
        writable = (generations.0, generations.1, master.id, ranges)
        return ranges.contains { $0.contains(range) }
    }

    /// Writes content `id` as `master` at the start of `output`, or refuses.
    public mutating func produce(_ id: UInt64, as master: BusMaster, into output: PhysicalRange, on bus: Bus) throws(AccessFault) {
        let marker = PhysicalRange(base: output.base, size: UInt64(ContentMarker.size))!
        guard isSecureBuffer(marker, for: master) else {
            throw AccessFault(master: master, address: marker.base, size: marker.size, kind: .write, source: Self.faultSource,
                              reason: "output \(output) is not a secure buffer: no protection in force lets \(master.name) write protected content there")
        }
        try bus.write(master, at: output.base, count: ContentMarker.size) { ContentMarker.write(id: id, into: &$0) }
    }
}
