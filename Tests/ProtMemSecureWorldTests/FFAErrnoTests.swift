import ProtMemMemory
import ProtMemTEE
import Testing

/// `ffa_to_linux_errno` as drivers/firmware/arm_ffa/driver.c has it: the table `ffa_linux_errmap`
/// indexed by the negated FF-A status.
@Suite struct FFAErrnoTests {
    @Test(arguments: [
        (FFA.ErrorCode.notSupported, Int32(95)),  // EOPNOTSUPP
        (.invalidParameters, 22),  // EINVAL
        (.noMemory, 12),  // ENOMEM
        (.busy, 16),  // EBUSY
        (.interrupted, 4),  // EINTR
        (.denied, 13),  // EACCES
        (.retry, 11),  // EAGAIN
        (.aborted, 125),  // ECANCELED
        (.noData, 61),  // ENODATA
        (.notReady, 11),  // EAGAIN
    ])
    func ffaStatusMapsToTheKernelsErrno(code: FFA.ErrorCode, errno: Int32) {
        #expect(code.errno.rawValue == errno)
    }

    @Test func everyStatusFromMinusOneToMinusTenIsKnown() {
        for raw in Int32(-10)...(-1) {
            #expect(FFA.ErrorCode(rawValue: raw) != nil, "FFA_RET \(raw)")
        }
    }
}
