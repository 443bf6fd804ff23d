@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE

extension SecureMonitor: SecureMonitorConduit {
    /// EL3's SMC dispatcher: OP-TEE's calls go to the trusted OS, ProtMem's SiP services are
    /// answered here, anything else is `SMCCC_RET_NOT_SUPPORTED` (-1).
    public func smc(_ registers: SMCRegisters) -> SMCRegisters {
        if let injector = faultInjector, let forced = injector(registers) { return forced }
        if OPTEEOS.owns(registers.a0) {
            guard let os = trustedOS else { return SMCRegisters(OPTEESMC.returnUnknownFunction) }
            return os.handle(registers)
        }
        if Hypervisor.owns(registers.a0) {
            guard let hypervisor else { return FFA.errorRegisters(.notSupported) }
            return hypervisor.handle(registers)
        }
        switch registers.a0 {
        case ProtMemSiP.scrub:
            return scrubCall(registers)
        default:
            return SMCRegisters(ProtMemSiP.notSupported)
        }
    }

    /// `PROTMEM_SIP_SCRUB(a1 = base, a2 = size)`: zeroes a range, but only one that lies wholly
    /// inside one protection whose buffers the normal world allocates (a carve-out heap's, a
    /// TEE pool Linux divides): so the call cannot wipe arbitrary memory, nor the buffers of a
    /// trusted application, which the normal world neither allocates nor frees.
    private func scrubCall(_ registers: SMCRegisters) -> SMCRegisters {
        guard let range = PhysicalRange(base: PhysicalAddress(registers.a1), size: registers.a2), !range.isEmpty,
              allowsScrub(of: range) else {
            return SMCRegisters(ProtMemSiP.invalidParameter)
        }
        do {
            try scrub(range)
            return SMCRegisters(ProtMemSiP.success)
        } catch {
            return SMCRegisters(ProtMemSiP.denied)
        }
    }
}
