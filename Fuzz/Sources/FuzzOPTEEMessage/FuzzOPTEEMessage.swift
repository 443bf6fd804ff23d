import FuzzSupport
import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE

/// OP-TEE's message ABI from both sides, on one input: the normal-world decoder
/// (`OPTEEMessageArgument.decode`) and the secure side's validation of an argument block
/// read from shared memory (`OPTEE_SMC_CALL_WITH_ARG`: OP-TEE reads the block over the bus,
/// bounds `num_params`, checks every parameter and dispatches to sessions and the MediaTek
/// secure-memory TA).
///
/// The input is the block as it lies in memory. It is written at the start of a page of
/// normal-world RAM on a board with OP-TEE's static pool and the MediaTek TA, and the SMC is
/// made as a hostile driver would make it. A session the input opens is closed again, so one
/// input does not leave the next a session table it did not have (TA allocations on the
/// board's own heap sessions do stay: the TA's pool bounds them).
struct Harness: Sendable {
    let board: Board
    let page: PhysicalRange

    static let shared: Harness = {
        var configuration = BoardConfiguration.builtinDefault
        configuration.name = "fuzz-optee-mediatek"
        configuration.mediatek = MediaTekConfiguration(
            carveout: PhysicalRange(checkedBase: 0xA200_0000, size: 32 << 20),
            dynamicRegion: PhysicalRange(checkedBase: 0x9E00_0000, size: 64 << 20)
        )
        do {
            let board = try Board(configuration)
            guard let page = board.pageAllocator.allocateZeroed(order: 0) else { fatalError("no page for the argument block") }
            return Harness(board: board, page: page)
        } catch {
            fatalError("the fuzz board does not build: \(error)")
        }
    }()

    /// Makes the SMC with the block at the page's start; the registers that come back.
    func call(_ block: [UInt8]) -> SMCRegisters {
        var page = [UInt8](repeating: 0, count: Int(self.page.size))
        page.replaceSubrange(0..<min(block.count, page.count), with: block.prefix(page.count))
        do {
            try board.bus.write(.cpuNonSecure, at: self.page.base, bytes: page)
        } catch {
            fatalError("the argument page became unwritable to the normal world: \(error)")
        }
        let (high, low) = SMCRegisters.splitting(self.page.base.rawValue)
        return board.secureMonitor.smc(SMCRegisters(OPTEESMC.callWithArg, high, low))
    }

    /// The header OP-TEE wrote back, decoded.
    func answer() -> OPTEEMessageArgument? {
        guard let range = PhysicalRange(base: page.base, size: UInt64(OPTEEMessageArgument.headerSize)),
              let header = try? board.bus.read(.cpuNonSecure, range) else { return nil }
        var block = header
        block.replaceSubrange(28..<32, with: [0, 0, 0, 0])  // the header alone, parameters left out
        return OPTEEMessageArgument.decode(block)
    }
}

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    BuiltinSeeds.writeIfAsked(OPTEESeeds.all)
    _ = Harness.shared
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = FuzzInput.bytes(data, size)

    // The decoder: a block decodes exactly when it holds its header and `num_params`
    // parameters, and what decodes encodes back to the same argument.
    let count = OPTEEMessageArgument.parameterCount(in: bytes)
    let decoded = OPTEEMessageArgument.decode(bytes)
    let complete = count.map { UInt64(bytes.count) >= UInt64(OPTEEMessageArgument.headerSize) + 32 * UInt64($0) } ?? false
    fuzzCheck((decoded != nil) == complete, "decode answered \(decoded == nil ? "nil" : "a block") for \(bytes.count) bytes, num_params \(String(describing: count))")
    if let decoded {
        fuzzCheck(decoded.parameters.count == Int(count ?? 0), "decoded \(decoded.parameters.count) parameters of \(String(describing: count))")
        fuzzCheck(OPTEEMessageArgument.decode(decoded.encoded()) == decoded, "encode/decode round trip changed the argument")
        _ = decoded.parameters.map(\.kind)
    }

    // The secure side.
    let harness = Harness.shared
    let registers = harness.call(bytes)
    let known: Set<UInt64> = [OPTEESMC.returnOK, OPTEESMC.returnBadAddress, OPTEESMC.returnBadCommand]
    fuzzCheck(known.contains(registers.a0), "CALL_WITH_ARG answered \(registers)")
    if registers.a0 == OPTEESMC.returnOK, let answer = harness.answer(),
       answer.command == OPTEEMessageCommand.openSession.rawValue, answer.result == 0 {
        _ = harness.call(OPTEEMessageArgument(command: .closeSession, session: answer.session).encoded())
    }
    return 0
}
