@_spi(SecureWorld) import ProtMemMemory

/// Why the secure world could not program a firewall region.
public enum FirewallError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Every region but the background is in use.
    case noFreeRegion
    case regionOutOfRange(Int)
    /// Region bounds must be 4 KiB aligned (the TZC-400's granule).
    case notAligned(PhysicalRange)
    /// The background region cannot be moved or disabled.
    case backgroundRegionFixed

    public var description: String {
        switch self {
        case .noFreeRegion: "no free TZC-400 region: all regions but the background are in use"
        case .regionOutOfRange(let i): "TZC-400 region \(i) does not exist"
        case .notAligned(let r): "TZC-400 region bounds \(r) are not 4 KiB aligned"
        case .backgroundRegionFixed: "TZC-400 region 0 is the background: it cannot be moved or disabled"
        }
    }
}

/// The right to program a ``TZC400``. Its initializer is internal to the secure-world
/// module and the type cannot be copied, so the only programmer of a board's firewall is
/// the one its ``SecureMonitor`` made at boot.
public struct FirewallProgrammer: ~Copyable, Sendable {
    let firewall: TZC400

    init(firewall: TZC400) {
        self.firewall = firewall
    }

    /// Sets region `index` to cover `range` with the given rights, and enables it.
    func configure(_ index: Int, range: PhysicalRange?, secureRead: Bool, secureWrite: Bool, nonSecureRead: NSAIDSet, nonSecureWrite: NSAIDSet) throws(FirewallError) {
        guard index >= 0, index < firewall.regionCount else { throw .regionOutOfRange(index) }
        if index == 0 {
            guard range == nil else { throw .backgroundRegionFixed }
        } else {
            guard let range, range.isPageAligned, !range.isEmpty else {
                throw .notAligned(range ?? PhysicalRange(checkedBase: 0, size: 0))
            }
        }
        firewall.update(index) { region in
            region.range = range
            region.enabled = true
            region.secureRead = secureRead
            region.secureWrite = secureWrite
            region.nonSecureRead = nonSecureRead
            region.nonSecureWrite = nonSecureWrite
        }
    }

    /// Disables region `index` (not the background).
    func disable(_ index: Int) throws(FirewallError) {
        guard index > 0 else { throw index == 0 ? .backgroundRegionFixed : .regionOutOfRange(index) }
        guard index < firewall.regionCount else { throw .regionOutOfRange(index) }
        firewall.update(index) { region in
            region = FirewallRegion(resetIndex: index)
        }
    }

    func firstFreeRegion() -> Int? { firewall.firstFreeRegion() }
}
