@_spi(SecureWorld) import ProtMemMemory
import Testing

/// A master carries its name as a number into the names masters have had: the name reads back
/// as given, and masters still compare and hash by it as by every other field.
@Suite struct BusMasterTests {
    @Test func aMasterKeepsItsNameAndComparesByIt() throws {
        let isp = try #require(BusMaster(id: 40, name: "isp-frontend", security: .nonSecure, nsaid: 6))
        let same = try #require(BusMaster(id: 40, name: "isp-frontend", security: .nonSecure, nsaid: 6))
        let renamed = try #require(BusMaster(id: 40, name: "isp-backend", security: .nonSecure, nsaid: 6))
        let long = String(repeating: "a-master-with-a-name-longer-than-a-small-string-", count: 4)
        let longNamed = try #require(BusMaster(id: 41, name: long, security: .secure, nsaid: 0))
        #expect(isp.name == "isp-frontend" && renamed.name == "isp-backend" && longNamed.name == long)
        #expect(isp == same && isp.hashValue == same.hashValue)
        #expect(isp != renamed)
        #expect(Set([isp, same, renamed]).count == 2)
        #expect(isp.description == "isp-frontend (non-secure, nsaid 6)")
        #expect(longNamed.description == "\(long) (secure)")
        // The fixed masters read back as they always have.
        #expect(BusMaster.standard.map(\.name) == ["cpu", "cpu-secure", "gpu", "gpu-protected", "codec", "display", "camera"])
        // The rules of the initialiser still hold.
        #expect(BusMaster(id: 42, name: "", security: .nonSecure, nsaid: 1) == nil)
        #expect(BusMaster(id: 42, name: "dma", security: .nonSecure, nsaid: 16) == nil)
    }

    /// Masters made on many threads at once each get their own name back.
    @Test func namesMadeConcurrentlyReadBack() async throws {
        let names = (0..<64).map { "concurrent-master-\($0 % 16)" }
        let masters = await withTaskGroup(of: (String, BusMaster?).self) { group in
            for (index, name) in names.enumerated() {
                group.addTask { (name, BusMaster(id: UInt16(100 + index), name: name, security: .nonSecure, nsaid: UInt8(index % 16))) }
            }
            var made: [(String, BusMaster?)] = []
            for await pair in group { made.append(pair) }
            return made
        }
        #expect(masters.count == 64)
        for (name, master) in masters { #expect(master?.name == name) }
    }
}
