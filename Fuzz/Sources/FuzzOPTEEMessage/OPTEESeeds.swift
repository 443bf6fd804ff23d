import ProtMemMemory
import ProtMemTEE

/// Well-formed argument blocks for every command the secure side implements, as the
/// normal-world driver encodes them: seeds for the OP-TEE target (blocks exist only as code,
/// so the target writes them itself; see ``BuiltinSeeds``).
enum OPTEESeeds {
    static var all: [(name: String, bytes: [UInt8])] {
        // The UUID's 16 octets as open_session lays them in two META value parameters
        // (value.a holds octets 0–7, value.b 8–15), then the login.
        let octets = MediaTekSecureMemory.uuid.octets
        let open = OPTEEMessageArgument(command: .openSession, parameters: [
            .value(.valueInput, a: octets.littleEndian(UInt64.self, at: 0), b: octets.littleEndian(UInt64.self, at: 8), meta: true),
            .value(.valueInput, a: 0, b: 0, c: 0, meta: true),
        ])
        let blocks: [(String, OPTEEMessageArgument)] = [
            ("open-session", open),
            ("invoke-zalloc", OPTEEMessageArgument(command: .invokeCommand, function: MediaTekSecureMemory.zalloc, session: 1, parameters: [
                .value(.valueInput, a: 1 << 20, b: 4096), .value(.valueInput, a: UInt64(MediaTekSecureMemory.MemoryType.carveout.rawValue)),
                .value(.valueInout), .value(.valueOutput),
            ])),
            ("invoke-retrieve-sg", OPTEEMessageArgument(command: .invokeCommand, function: MediaTekSecureMemory.retrieveSG, session: 1, parameters: [
                .value(.valueInput, a: 1), .tmem(.tmemOutput, bufferPointer: 0, size: 4096), .value(.valueOutput),
            ])),
            ("invoke-free", OPTEEMessageArgument(command: .invokeCommand, function: MediaTekSecureMemory.free, session: 1, parameters: [
                .value(.valueInput, a: 1), .value(.valueOutput),
            ])),
            ("close-session", OPTEEMessageArgument(command: .closeSession, session: 1)),
            ("cancel", OPTEEMessageArgument(command: .cancel, session: 1)),
            ("get-protmem-config", OPTEEMessageArgument(command: .getProtectedMemoryConfig, parameters: [
                .value(.valueInput, a: UInt64(ProtectedMemoryUseCase.secureVideoPlay.rawValue)), .tmem(.tmemOutput, bufferPointer: 0, size: 64),
            ])),
            ("lend-protmem", OPTEEMessageArgument(command: .lendProtectedMemory, parameters: [
                .value(.valueInput, a: UInt64(ProtectedMemoryUseCase.secureVideoPlay.rawValue)), .tmem(.tmemInput, bufferPointer: 0x8000_0000, size: 1 << 20),
            ])),
            ("reclaim-protmem", OPTEEMessageArgument(command: .reclaimProtectedMemory, parameters: [.tmem(.tmemInput, bufferPointer: 0x8000_0000, size: 1 << 20)])),
        ]
        return blocks.map { ("\($0.0).bin", $0.1.encoded()) }
    }
}
