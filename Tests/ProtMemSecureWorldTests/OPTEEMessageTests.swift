import ProtMemBoard
import ProtMemMemory
import ProtMemSecureWorld
import ProtMemTEE
import ProtMemTestSupport
import Testing

@Suite struct OPTEEMessageTests {
    @Test func layoutMatchesOptEEMsgArg() throws {
        var argument = OPTEEMessageArgument(command: .invokeCommand, function: 0x10000, session: 7, parameters: [
            .value(.valueInout, a: 0x1122_3344_5566_7788, b: 2, c: 3),
            .tmem(.tmemInput, bufferPointer: 0x4000_1000, size: 0x200, shmRef: 0xABCD),
        ])
        argument.result = TEEResult.shortBuffer.rawValue
        argument.resultOrigin = TEEOrigin.trustedApp.rawValue
        let bytes = argument.encoded()
        #expect(bytes.count == OPTEEMessageArgument.size(parameterCount: 2))
        #expect(bytes.count == 32 + 2 * 32)
        #expect(Array(bytes[0..<4]) == [1, 0, 0, 0])          // cmd
        #expect(Array(bytes[4..<8]) == [0, 0, 1, 0])          // func
        #expect(Array(bytes[8..<12]) == [7, 0, 0, 0])         // session
        #expect(Array(bytes[20..<24]) == [0x10, 0, 0xFF, 0xFF]) // ret
        #expect(Array(bytes[24..<28]) == [4, 0, 0, 0])        // ret_origin
        #expect(Array(bytes[28..<32]) == [2, 0, 0, 0])        // num_params
        #expect(Array(bytes[32..<40]) == [3, 0, 0, 0, 0, 0, 0, 0]) // attr VALUE_INOUT
        #expect(Array(bytes[40..<48]) == [0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11])
        #expect(bytes[64] == 0x9)                              // attr TMEM_INPUT
        #expect(OPTEEMessageArgument.decode(bytes) == argument)
        #expect(OPTEEMessageArgument.decode(Array(bytes.dropLast())) == nil)
        #expect(OPTEESMC.callWithArg == 0x3200_0004)
        #expect(OPTEESMC.getProtectedMemoryConfig == 0xB200_0014)
        #expect(MediaTekSecureMemory.uuid.description == "4477588a-8476-11e2-ad15-e41f1390d676")
    }

    @Test func sessionsOpenInvokeAndClose() throws {
        try withLeakCheckedBoard(TestBoards.mediatek) { board in
            let driver = try #require(board.teeDriver)
            // The heaps hold one session each.
            #expect(board.trustedOS?.openSessions == 2)
            let opened = try driver.openSession(MediaTekSecureMemory.uuid)
            let session = try #require(opened.session)
            #expect(opened.outcome == TEEOutcome(.success, .tee))
            let unknown = try driver.invoke(session, function: 0x4242, parameters: [])
            #expect(unknown.outcome == TEEOutcome(.notSupported, .trustedApp))
            let free = try driver.invoke(session, function: MediaTekSecureMemory.free, parameters: [.value(.valueInput, a: 999), .value(.valueOutput)])
            #expect(free.outcome == TEEOutcome(.itemNotFound, .trustedApp))
            #expect(try driver.closeSession(session) == TEEOutcome(.success, .tee))
            #expect(try driver.closeSession(session) == TEEOutcome(.badParameters, .tee))
            let missing = try driver.openSession(TEEUUID("00000000-0000-0000-0000-000000000001")!)
            #expect(missing.session == nil && missing.outcome == TEEOutcome(.itemNotFound, .tee))
            // More than six message parameters never leave the driver.
            #expect(throws: Errno.invalidArgument) { try driver.invoke(session, function: 1, parameters: Array(repeating: .value(.valueInput), count: 7)) }
        }
    }

    @Test func staticProtectedMemoryIsReportedAndProtectedAtBoot() throws {
        let board = try Board.builtinDefault()
        let driver = try #require(board.teeDriver)
        #expect(driver.capabilities.contains(.protectedMemory))
        #expect(!driver.capabilities.contains(.dynamicProtectedMemory))
        let config = try #require(driver.staticProtectedMemoryConfig())
        #expect(config.range == PhysicalRange(checkedBase: 0xA400_0000, size: 64 << 20))
        #expect(throws: AccessFault.self) { try board.bus.read(.cpuNonSecure, PhysicalRange(base: config.range.base, size: 1)!) }
    }
}
