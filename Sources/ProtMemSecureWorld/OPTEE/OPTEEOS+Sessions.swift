@_spi(SecureWorld) import ProtMemMemory
import ProtMemTEE

extension OPTEEOS {
    /// `OPEN_SESSION`: two meta value parameters first (the TA's UUID, then the client's
    /// identity and login), then up to four TA parameters.
    func openSession(_ argument: inout OPTEEMessageArgument) {
        argument.session = 0
        let parameters = argument.parameters
        let metaValue = OPTEEMessageParameter.meta | OPTEEMessageParameter.Kind.valueInput.rawValue
        guard parameters.count >= 2, parameters[0].attr == metaValue, parameters[1].attr == metaValue,
              TEELogin(rawValue: UInt32(truncatingIfNeeded: parameters[1].c)) != nil else {
            finish(&argument, .badParameters, .tee)
            return
        }
        let uuidBytes = [UInt8].littleEndian(parameters[0].a) + [UInt8].littleEndian(parameters[0].b)
        guard var taParameters = decodeTAParameters(Array(parameters.dropFirst(2))) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        guard let uuid = TEEUUID(octets: uuidBytes), let application = state.withLock({ $0.applications[uuid] }) else {
            finish(&argument, .itemNotFound, .tee)
            return
        }
        let session = state.withLock { state -> UInt32 in
            defer { state.nextSession &+= 1; if state.nextSession == 0 { state.nextSession = 1 } }
            return state.nextSession
        }
        let result = application.openSession(session, parameters: &taParameters, environment: environment)
        guard result == .success else {
            finish(&argument, result, .trustedApp)
            return
        }
        state.withLock { $0.sessions[session] = Session(application: application) }
        argument.session = session
        encodeTAParameters(taParameters, into: &argument, from: 2)
        finish(&argument, .success, .tee)
    }

    /// `INVOKE_COMMAND` on an open session.
    func invoke(_ argument: inout OPTEEMessageArgument) {
        guard let session = state.withLock({ $0.sessions[argument.session] }) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        guard var taParameters = decodeTAParameters(argument.parameters) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        let result = session.application.invoke(argument.session, command: argument.function, parameters: &taParameters, environment: environment)
        encodeTAParameters(taParameters, into: &argument, from: 0)
        finish(&argument, result, result == .success ? .tee : .trustedApp)
    }

    /// `CLOSE_SESSION`: takes no parameters.
    func closeSession(_ argument: inout OPTEEMessageArgument) {
        guard argument.parameters.isEmpty, let session = state.withLock({ $0.sessions.removeValue(forKey: argument.session) }) else {
            finish(&argument, .badParameters, .tee)
            return
        }
        session.application.closeSession(argument.session, environment: environment)
        finish(&argument, .success, .tee)
    }

    /// Kills every session of the TA with `uuid` (as a TA panic does); later calls on them
    /// answer `TEE_ERROR_BAD_PARAMETERS`, and the TA's own clean-up runs.
    public func killSessions(of uuid: TEEUUID) {
        let dead = state.withLock { state -> [(UInt32, Session)] in
            let dead = state.sessions.filter { $0.value.application.uuid == uuid }.sorted { $0.key < $1.key }
            for (id, _) in dead { state.sessions[id] = nil }
            return dead
        }
        for (id, session) in dead { session.application.closeSession(id, environment: environment) }
    }

    // MARK: Parameters

    /// `copy_in_params`: at most four, no meta bit, known types only; a temporary memory
    /// reference must lie in normal-world memory (or be null). Registered memory (`RMEM`)
    /// is not modelled and is refused.
    func decodeTAParameters(_ parameters: [OPTEEMessageParameter]) -> [TAParameter]? {
        guard parameters.count <= Self.taParameterCount else { return nil }
        var result: [TAParameter] = []
        for parameter in parameters {
            guard !parameter.isMeta, parameter.attr & ~(OPTEEMessageParameter.typeMask | 0x7 << 16) == 0, let kind = parameter.kind else { return nil }
            let a = UInt32(truncatingIfNeeded: parameter.a), b = UInt32(truncatingIfNeeded: parameter.b)
            switch kind {
            case .none: result.append(.none)
            case .valueInput: result.append(.valueInput(a: a, b: b))
            case .valueOutput: result.append(.valueOutput(a: a, b: b))
            case .valueInout: result.append(.valueInout(a: a, b: b))
            case .tmemInput, .tmemOutput, .tmemInout:
                var range: PhysicalRange?
                if parameter.a != 0 {
                    guard let r = PhysicalRange(base: PhysicalAddress(parameter.a), size: parameter.b), !r.isEmpty, isNormalWorldMemory(r) else { return nil }
                    range = r
                }
                switch kind {
                case .tmemInput: result.append(.memrefInput(range: range))
                case .tmemOutput: result.append(.memrefOutput(range: range, size: parameter.b))
                default: result.append(.memrefInout(range: range, size: parameter.b))
                }
            case .rmemInput, .rmemOutput, .rmemInout:
                return nil
            }
        }
        return result
    }

    /// Copies outputs back: values' `a`/`b`, memrefs' sizes.
    func encodeTAParameters(_ parameters: [TAParameter], into argument: inout OPTEEMessageArgument, from start: Int) {
        for (index, parameter) in parameters.enumerated() where start + index < argument.parameters.count {
            switch parameter {
            case .valueOutput(let a, let b), .valueInout(let a, let b):
                argument.parameters[start + index].a = UInt64(a)
                argument.parameters[start + index].b = UInt64(b)
            case .memrefOutput(_, let size), .memrefInout(_, let size):
                argument.parameters[start + index].b = size
            default:
                break
            }
        }
    }
}
