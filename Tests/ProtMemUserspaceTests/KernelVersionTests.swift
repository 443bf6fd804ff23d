import ProtMemUserspace
import Testing

@Suite struct KernelVersionTests {
    /// The udmabuf limit each modelled kernel boots with, and the model's udmabuf device
    /// takes it: 64 MiB refused on 6.12, let through on 7.3.
    @Test func eachVersionHasItsUdmabufLimit() {
        #expect(KernelVersion.linux6_12.udmabufSizeLimitMB == 64)
        #expect(KernelVersion.linux7_3.udmabufSizeLimitMB == 2_147_483_647)
        #expect(KernelVersion.allCases.map(\.rawValue) == ["6.12", "7.3"])
    }
}
