import ProtMemMemory

/// An open session with a trusted application.
public struct TEESession: Hashable, Sendable {
    public let id: UInt32
    public let application: TEEUUID
}

extension OPTEEDriver {
    /// `optee_open_session`: the TA's UUID and the client's login go first as two meta value
    /// parameters, then up to four of the caller's. Returns the session, or the outcome that
    /// refused it; an SMC failure closes nothing because nothing was opened.
    public func openSession(_ uuid: TEEUUID, login: TEELogin = .public, parameters: [OPTEEMessageParameter] = []) throws(Errno) -> (session: TEESession?, outcome: TEEOutcome, parameters: [OPTEEMessageParameter]) {
        guard parameters.count <= Self.maximumArgumentParameters - 2 else { throw .invalidArgument }
        let octets = uuid.octets
        // The 16 octets as they lie in memory: value.a holds 0–7, value.b 8–15 (Linux memcpy's them).
        let a = octets.littleEndian(UInt64.self, at: 0)
        let b = octets.littleEndian(UInt64.self, at: 8)
        let meta: [OPTEEMessageParameter] = [
            .value(.valueInput, a: a, b: b, meta: true),
            .value(.valueInput, a: 0, b: 0, c: UInt64(login.rawValue), meta: true),
        ]
        let answer = try call(OPTEEMessageArgument(command: .openSession, parameters: meta + parameters))
        let outputs = Array(answer.parameters.dropFirst(2))
        guard answer.outcome.isSuccess else { return (nil, answer.outcome, outputs) }
        return (TEESession(id: answer.session, application: uuid), answer.outcome, outputs)
    }

    /// `optee_invoke_func`
    public func invoke(_ session: TEESession, function: UInt32, parameters: [OPTEEMessageParameter]) throws(Errno) -> (outcome: TEEOutcome, parameters: [OPTEEMessageParameter]) {
        let answer = try call(OPTEEMessageArgument(command: .invokeCommand, function: function, session: session.id, parameters: parameters))
        return (answer.outcome, answer.parameters)
    }

    /// `optee_close_session`
    @discardableResult
    public func closeSession(_ session: TEESession) throws(Errno) -> TEEOutcome {
        try call(OPTEEMessageArgument(command: .closeSession, session: session.id)).outcome
    }

    // MARK: Protected memory (protmem.c)

    /// `get_protmem_config`: the minimum size and PA width for `useCase`. `EINVAL` for any
    /// TEE error; `ENOSPC` for a short buffer.
    public func protectedMemoryConfig(for useCase: ProtectedMemoryUseCase) throws(Errno) -> (minimumSize: UInt64, physicalAddressWidth: UInt64) {
        let answer = try call(OPTEEMessageArgument(command: .getProtectedMemoryConfig, parameters: [
            .value(.valueInout, a: UInt64(useCase.rawValue)),
            .tmem(.tmemOutput, bufferPointer: 0, size: 0),
        ]))
        if answer.outcome.result == .shortBuffer { throw .noSpace }
        guard answer.outcome.isSuccess, answer.parameters.count == 2 else { throw .invalidArgument }
        return (answer.parameters[0].a, answer.parameters[0].c)
    }

    /// `optee_smc_lend_protmem`: `EINVAL` for any TEE error.
    public func lendProtectedMemory(_ range: PhysicalRange, useCase: ProtectedMemoryUseCase, cookie: UInt64) throws(Errno) {
        let answer = try call(OPTEEMessageArgument(command: .lendProtectedMemory, parameters: [
            .value(.valueInput, a: UInt64(useCase.rawValue)),
            .tmem(.tmemInput, bufferPointer: range.base.rawValue, size: range.size, shmRef: cookie),
        ]))
        guard answer.outcome.isSuccess else { throw .invalidArgument }
    }

    /// `optee_smc_reclaim_protmem`: `EINVAL` for any TEE error.
    public func reclaimProtectedMemory(cookie: UInt64) throws(Errno) {
        let answer = try call(OPTEEMessageArgument(command: .reclaimProtectedMemory, parameters: [
            .rmem(.rmemInput, offset: 0, size: 0, shmRef: cookie),
        ]))
        guard answer.outcome.isSuccess else { throw .invalidArgument }
    }
}
