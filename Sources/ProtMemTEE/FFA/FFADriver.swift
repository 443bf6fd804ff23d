import ProtMemHeaps
import ProtMemMemory
import Synchronization

/// The normal-world FF-A driver (`drivers/firmware/arm_ffa`): it maps a TX and an RX buffer
/// with the hypervisor, writes memory transaction descriptors into the TX buffer, and
/// issues `FFA_MEM_LEND`, `FFA_MEM_SHARE` and `FFA_MEM_RECLAIM`. Errors come back as
/// `ffa_to_linux_errno` maps them.
public final class FFADriver: Sendable {
    public let conduit: any SecureMonitorConduit
    public let bus: Bus
    let pages: PageAllocator
    public let transmitBuffer: PhysicalRange
    public let receiveBuffer: PhysicalRange
    private let lock = Mutex(())

    /// `ENODEV` when no hypervisor answers `FFA_RXTX_MAP`, `ENOMEM` without pages.
    public init(conduit: any SecureMonitorConduit, bus: Bus, pages: PageAllocator) throws(Errno) {
        guard let tx = pages.allocateZeroed(order: 0) else { throw .noMemory }
        guard let rx = pages.allocateZeroed(order: 0) else {
            try? pages.free(tx)
            throw .noMemory
        }
        let answer = conduit.smc(SMCRegisters(FFA.rxtxMap, tx.base.rawValue, rx.base.rawValue, 1))
        guard answer.a0 == FFA.success32 || answer.a0 == FFA.success64 else {
            try? pages.free(tx)
            try? pages.free(rx)
            throw .noSuchDevice
        }
        self.conduit = conduit
        self.bus = bus
        self.pages = pages
        self.transmitBuffer = tx
        self.receiveBuffer = rx
    }

    /// `ffa_memory_lend`: after it, the host must not touch `ranges` until reclaimed.
    public func lend(_ ranges: [PhysicalRange], to receiver: UInt16, permissions: UInt8 = FFA.readWrite, tag: UInt64) throws(Errno) -> UInt64 {
        try transmit(FFA.memoryLend, FFAMemoryRegion(sender: FFA.hostEndpoint, tag: tag, receiver: receiver, permissions: permissions, constituents: ranges))
    }

    /// `ffa_memory_share`: the host keeps its access.
    public func share(_ ranges: [PhysicalRange], with receiver: UInt16, permissions: UInt8 = FFA.readWrite, tag: UInt64) throws(Errno) -> UInt64 {
        try transmit(FFA.memoryShare, FFAMemoryRegion(sender: FFA.hostEndpoint, tag: tag, receiver: receiver, permissions: permissions, constituents: ranges))
    }

    /// Asks endpoint `receiver` with a direct message to relinquish `handle`, which FF-A
    /// requires of every borrower before the lender may reclaim.
    public func requestRelinquish(_ handle: UInt64, from receiver: UInt16) throws(Errno) {
        let (high, low) = SMCRegisters.splitting(handle)
        let answer = conduit.smc(SMCRegisters(FFA.messageSendDirectRequest64, UInt64(FFA.hostEndpoint) << 16 | UInt64(receiver), 0,
                                              FFA.EndpointMessage.relinquish.rawValue, low, high))
        guard answer.a0 == FFA.messageSendDirectResponse32 else { try check(answer); throw .invalidArgument }
        let status = Int32(bitPattern: UInt32(truncatingIfNeeded: answer.a3))
        guard status == 0 else { throw FFA.EndpointStatus(rawValue: status).flatMap(\.errno) ?? .invalidArgument }
    }

    /// `ffa_memory_reclaim`: `EACCES` (`FFA_DENIED`) while the borrower holds the memory.
    public func reclaim(_ handle: UInt64) throws(Errno) {
        let answer = conduit.smc(SMCRegisters(FFA.memoryReclaim, handle & 0xFFFF_FFFF, handle >> 32, 0))
        try check(answer)
    }

    private func transmit(_ function: UInt64, _ region: FFAMemoryRegion) throws(Errno) -> UInt64 {
        try lock.withLock { _ throws(Errno) -> UInt64 in
            let bytes = region.encoded()
            guard bytes.count <= Int(transmitBuffer.size) else { throw .invalidArgument }
            do {
                try bus.write(.cpuNonSecure, at: transmitBuffer.base, bytes: bytes)
            } catch {
                throw .badAddress
            }
            let answer = conduit.smc(SMCRegisters(function, UInt64(bytes.count), UInt64(bytes.count), 0, 0))
            try check(answer)
            return SMCRegisters.joining(high: answer.a3, low: answer.a2)
        }
    }

    private func check(_ answer: SMCRegisters) throws(Errno) {
        guard answer.a0 == FFA.success32 || answer.a0 == FFA.success64 else {
            let code = Int32(bitPattern: UInt32(truncatingIfNeeded: answer.a2))
            throw FFA.ErrorCode(rawValue: code)?.errno ?? .invalidArgument
        }
    }
}
