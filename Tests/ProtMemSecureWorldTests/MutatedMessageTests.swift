import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

/// Corrupted argument blocks reach OP-TEE directly (raw bytes in normal-world memory and a
/// raw SMC), as a buggy or hostile driver would send them. Every one must come back as an
/// error (an SMC error code, or a TEE result other than success) and none may trap or
/// change the board.
@Suite struct MutatedMessageTests {
    enum Mutation: CaseIterable {
        case unknownCommand, badAttributeType, metaOnTAParameter, tooManyParameters, parameterCountPastPage
        case misalignedAddress, addressOutsideDRAM, addressInProtectedMemory, unknownSession, unknownTA
        case badLogin, memrefIntoProtectedMemory, missingMetaParameters, closeWithParameters, lendBadUseCase
    }

    @Test func thousandsOfCorruptedBlocksEachGetAnError() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(page) }
            let before = BoardSnapshot(board)
            let session = try #require(try board.teeDriver!.openSession(MediaTekSecureMemory.uuid).session)
            defer { _ = try? board.teeDriver!.closeSession(session) }
            var random = SplitMix64(seed: 2024)
            var counts: [Mutation: Int] = [:]
            for _ in 0..<3_000 {
                let mutation = Mutation.allCases[Int(random.next() % UInt64(Mutation.allCases.count))]
                counts[mutation, default: 0] += 1
                let (address, bytes) = corrupt(mutation, session: session.id, page: page, board: board, random: &random)
                if let bytes { try board.bus.write(.cpuNonSecure, at: page.base, bytes: bytes) }
                let (high, low) = SMCRegisters.splitting(address)
                let answer = board.secureMonitor.smc(SMCRegisters(OPTEESMC.callWithArg, high, low))
                if answer.a0 == OPTEESMC.returnOK {
                    let back = try board.bus.read(.cpuNonSecure, PhysicalRange(base: page.base, size: 32)!)
                    let result = back[20..<24].enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) }
                    #expect(result != 0, "\(mutation) was accepted")
                }
            }
            #expect(counts.count == Mutation.allCases.count)
            // Session count back to the heaps' two plus ours.
            #expect(board.trustedOS?.openSessions == 3)
            var after = BoardSnapshot(board)
            #expect(after.protections == before.protections && after.lent == before.lent && after.heapFree == before.heapFree)
            _ = try board.teeDriver!.closeSession(session)
            after = BoardSnapshot(board)
            #expect(after.openSessions == before.openSessions)
        }
    }

    @Test func randomBytesNeverTrap() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let page = try #require(board.pageAllocator.allocateZeroed(order: 0))
            defer { try? board.pageAllocator.free(page) }
            var random = SplitMix64(seed: 77)
            let valid = OPTEEMessageArgument(command: .invokeCommand, function: MediaTekSecureMemory.free, session: 1, parameters: [
                .value(.valueInput, a: 5), .value(.valueOutput),
            ]).encoded()
            for _ in 0..<3_000 {
                var bytes = valid
                for _ in 0..<(1 + random.next() % 4) {
                    let index = Int(random.next() % UInt64(bytes.count))
                    bytes[index] ^= UInt8(1 << (random.next() % 8))
                }
                try board.bus.write(.cpuNonSecure, at: page.base, bytes: bytes)
                let (high, low) = SMCRegisters.splitting(page.base.rawValue)
                _ = board.secureMonitor.smc(SMCRegisters(OPTEESMC.callWithArg, high, low))
            }
            #expect(board.trustedOS?.lentRanges.isEmpty == true)
        }
    }

    private func corrupt(_ mutation: Mutation, session: UInt32, page: PhysicalRange, board: Board, random: inout SplitMix64) -> (UInt64, [UInt8]?) {
        let base = page.base.rawValue
        let free = OPTEEMessageArgument(command: .invokeCommand, function: MediaTekSecureMemory.free, session: session,
                                        parameters: [.value(.valueInput, a: 1), .value(.valueOutput)])
        func encoded(_ argument: OPTEEMessageArgument) -> [UInt8] { argument.encoded() }
        switch mutation {
        case .unknownCommand:
            var argument = free
            argument.command = [3 + 9, 13, 255, UInt32.max, 4, 5, 6, 7, 11][Int(random.next() % 9)]
            return (base, encoded(argument))
        case .badAttributeType:
            var argument = free
            let undefined: [UInt64] = [4, 8, 0xC, 0xD, 0x42, 0xFF]
            argument.parameters[Int(random.next() % 2)].attr = undefined[Int(random.next() % UInt64(undefined.count))]
            return (base, encoded(argument))
        case .metaOnTAParameter:
            var argument = free
            argument.parameters[Int(random.next() % 2)].attr |= OPTEEMessageParameter.meta
            return (base, encoded(argument))
        case .tooManyParameters:
            var argument = free
            argument.parameters = Array(repeating: .value(.valueInput), count: 5 + Int(random.next() % 3))
            return (base, encoded(argument))
        case .parameterCountPastPage:
            var bytes = encoded(free)
            let count = UInt32(128 + random.next() % 0xFFFF)
            withUnsafeBytes(of: count.littleEndian) { bytes.replaceSubrange(28..<32, with: $0) }
            return (base, bytes)
        case .misalignedAddress:
            return (base + 1 + random.next() % 7, encoded(free))
        case .addressOutsideDRAM:
            return ([0, 0x1000, 0xC000_0000, 0xFFFF_F000, 0x8_0000_0000][Int(random.next() % 5)], nil)
        case .addressInProtectedMemory:
            return ([0xB800_0000, 0xA400_0000, 0xA200_0000][Int(random.next() % 3)], nil)
        case .unknownSession:
            var argument = free
            argument.session = session + 1 + UInt32(random.next() % 1000)
            return (base, encoded(argument))
        case .unknownTA:
            var octets = (0..<16).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            octets[0] = 0x99
            return (base, openSession(octets: octets, login: 0))
        case .badLogin:
            return (base, openSession(octets: MediaTekSecureMemory.uuid.octets, login: [3, 7, 8, 0x1234][Int(random.next() % 4)]))
        case .memrefIntoProtectedMemory:
            var argument = free
            argument.function = MediaTekSecureMemory.retrieveSG
            argument.parameters = [.value(.valueInput, a: 1), .tmem(.tmemInout, bufferPointer: 0xB800_0000 + (random.next() % 1000) * 4096, size: 12)]
            return (base, encoded(argument))
        case .missingMetaParameters:
            let argument = OPTEEMessageArgument(command: .openSession, parameters: Array(repeating: .value(.valueInput), count: Int(random.next() % 2)))
            return (base, encoded(argument))
        case .closeWithParameters:
            let argument = OPTEEMessageArgument(command: .closeSession, session: session, parameters: [.value(.valueInput)])
            return (base, encoded(argument))
        case .lendBadUseCase:
            // The default board's OP-TEE does not lend: the command itself is refused.
            let argument = OPTEEMessageArgument(command: .lendProtectedMemory, parameters: [
                .value(.valueInput, a: random.next() % 8), .tmem(.tmemInput, bufferPointer: 0x5000_0000, size: 4096, shmRef: 1),
            ])
            return (base, encoded(argument))
        }
    }

    private func openSession(octets: [UInt8], login: UInt64) -> [UInt8] {
        let a = octets[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        let b = octets[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        return OPTEEMessageArgument(command: .openSession, parameters: [
            .value(.valueInput, a: a, b: b, meta: true), .value(.valueInput, c: login, meta: true),
        ]).encoded()
    }
}
