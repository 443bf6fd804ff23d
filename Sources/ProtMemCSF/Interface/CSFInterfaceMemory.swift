/// The firmware's shared section as both sides see it: the global interface and one CSG
/// interface (with its CS interfaces) per slot, each a control, an input and an output page
/// (`struct panthor_fw_global_iface`, `panthor_fw_csg_iface`, `panthor_fw_cs_iface`). The host
/// writes the input pages, the firmware the output pages; a bit that differs between a `req`
/// and its `ack` is a message (``RequestAcknowledge``). Kept as the fields the model uses, not
/// as bytes at the pages' offsets.
///
/// The firmware lays it out when it boots: a fresh one at every boot and reset.
package struct CSFInterfaceMemory {
    package var global: GlobalInterface
    /// Written in place (see ``FirmwareSlotArray``): the CSG interfaces, one per slot. A copy
    /// shares them.
    package let groups: FirmwareSlotArray<GroupInterface>

    package init(parameters: CSFParameters) {
        global = GlobalInterface(control: GlobalControl(version: parameters.interfaceVersion, features: 0, groupCount: parameters.groupSlots))
        let control = GroupControl(features: 0, suspendSize: parameters.suspendSize, protectedSuspendSize: parameters.protectedSuspendSize,
                                   streamCount: parameters.streamsPerGroup)
        groups = FirmwareSlotArray(count: parameters.groupSlots) {
            GroupInterface(control: control, streams: Array(repeating: StreamInterface(), count: parameters.streamsPerGroup))
        }
    }
}
