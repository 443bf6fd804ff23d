@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE

extension OPTEEOS {
    /// `GET_PROTMEM_CONFIG`: exactly (VALUE_INOUT, MEMREF_OUTPUT). Answers the minimum size,
    /// alignment and PA width for a use case, and its memory attributes (none under the SMC
    /// ABI, so the output buffer's size is 0).
    func getProtectedMemoryConfig(_ argument: inout OPTEEMessageArgument) {
        let parameters = argument.parameters
        guard parameters.count == 2, parameters[0].kind == .valueInout,
              let output = parameters[1].kind, output == .tmemOutput || output == .rmemOutput,
              parameters[0].a < UInt64(Int32.max),
              let useCase = ProtectedMemoryUseCase(rawValue: UInt32(parameters[0].a)) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        guard let pool = configuration.dynamicPool, configuration.grants[useCase] != nil else {
            finish(&argument, .notSupported, .tee)
            return
        }
        argument.parameters[0].a = pool.minimumSize
        argument.parameters[0].b = pool.alignment
        argument.parameters[0].c = 64
        argument.parameters[1].b = 0
        finish(&argument, .success, .tee)
    }

    /// `LEND_PROTMEM`: (VALUE_INPUT use case, TMEM_INPUT physical range with the cookie in
    /// `shm_ref`). OP-TEE takes only playback and trusted UI. The range must be page-aligned
    /// normal-world memory; on success the firewall guards it for the use case's masters.
    func lendProtectedMemory(_ argument: inout OPTEEMessageArgument) {
        let parameters = argument.parameters
        guard parameters.count == 2, parameters[0].attr == OPTEEMessageParameter.Kind.valueInput.rawValue,
              parameters[1].attr == OPTEEMessageParameter.Kind.tmemInput.rawValue,
              let useCase = ProtectedMemoryUseCase(rawValue: UInt32(truncatingIfNeeded: parameters[0].a)),
              parameters[0].a <= UInt64(UInt32.max), useCase == .secureVideoPlay || useCase == .trustedUI,
              let grant = configuration.grants[useCase],
              let range = PhysicalRange(base: PhysicalAddress(parameters[1].a), size: parameters[1].b),
              range.isPageAligned, !range.isEmpty, isNormalWorldMemory(range) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        let cookie = parameters[1].c
        if let injected = state.withLock({ $0.failNextProtectedMemoryCommand.take() }) {
            finish(&argument, injected, .tee)
            return
        }
        guard state.withLock({ $0.lent[cookie] == nil }) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        do {
            // Scrub first: what the normal world left there must not become protected content.
            try environment.monitor.scrub(range)
            let record = try environment.monitor.protect(range, readers: grant.readers, writers: grant.writers,
                                                         owner: "optee", reason: "LEND_PROTMEM for \(useCase.heapName ?? "reserved")",
                                                         allocator: .normalWorld)
            state.withLock { $0.lent[cookie] = record }
            finish(&argument, .success, .tee)
        } catch {
            finish(&argument, .badParameters, .tee)
        }
    }

    /// `RECLAIM_PROTMEM`: one RMEM_INPUT naming the cookie in `shm_ref` (as Linux sends it
    /// and OP-TEE expects, whatever the header's comment says). The range is scrubbed before
    /// the firewall opens it again.
    ///
    /// `TEE_ERROR_BUSY` while the range still holds data: Linux divides the range into
    /// buffers and scrubs each it frees, so data left means a buffer still in use, and OP-TEE
    /// must not unprotect what a device may still be writing protected content into. (OP-TEE
    /// cannot see Linux's buffers: a live buffer nothing has written yet can still be
    /// reclaimed from under its owner; the secure producers refuse to write protected content
    /// into memory the normal world can read, which is what keeps that safe.)
    func reclaimProtectedMemory(_ argument: inout OPTEEMessageArgument) {
        let parameters = argument.parameters
        guard parameters.count == 1, parameters[0].attr == OPTEEMessageParameter.Kind.rmemInput.rawValue else {
            finish(&argument, .badParameters, .tee)
            return
        }
        if let injected = state.withLock({ $0.failNextProtectedMemoryCommand.take() }) {
            finish(&argument, injected, .tee)
            return
        }
        if state.withLock({ state in
            if state.refusingReclaims { state.reclaimsRefused += 1 }
            return state.refusingReclaims
        }) {
            finish(&argument, .busy, .tee)
            return
        }
        let cookie = parameters[0].c
        guard let record = state.withLock({ $0.lent[cookie] }) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        guard !environment.monitor.holdsData(record.range) else {
            finish(&argument, .busy, .tee)
            return
        }
        guard environment.monitor.unprotect(record) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        state.withLock { $0.lent[cookie] = nil }
        finish(&argument, .success, .tee)
    }
}

extension Optional {
    /// Returns the value and leaves `nil` behind.
    mutating func take() -> Wrapped? {
        defer { self = nil }
        return self
    }
}
