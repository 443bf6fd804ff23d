/// The host ↔ firmware message protocol of a CSF interface: each side owns one register of a
/// pair (the host `req` in the input page, the firmware `ack` in the output page), and a bit
/// that differs between them is a message waiting for the other side.
///
/// For request bits the host toggles and the firmware answers by copying; for event bits the
/// firmware toggles and the host answers by copying. Field values (a CSG's or CS's state) are
/// written whole and acknowledged by copying the field.
public enum RequestAcknowledge {
    /// `panthor_fw_toggle_reqs`: flips the `mask` bits of `req` to the opposite of `ack`,
    /// leaving the rest of `req`: `((ack ^ mask) & mask) | (req & ~mask)`.
    @inlinable
    public static func toggle(req: UInt32, ack: UInt32, mask: UInt32) -> UInt32 {
        ((ack ^ mask) & mask) | (req & ~mask)
    }

    /// `panthor_fw_update_reqs`: writes `value` into the `mask` bits of `req`.
    @inlinable
    public static func update(req: UInt32, value: UInt32, mask: UInt32) -> UInt32 {
        (req & ~mask) | (value & mask)
    }

    /// The `mask` bits where `req` and `ack` differ: messages not yet answered.
    @inlinable
    public static func pending(req: UInt32, ack: UInt32, mask: UInt32) -> UInt32 {
        (req ^ ack) & mask
    }
}
