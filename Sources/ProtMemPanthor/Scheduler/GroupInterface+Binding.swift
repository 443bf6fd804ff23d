@_spi(CSFHost) import ProtMemCSF

/// The driver's writes of a CSG slot's CS input pages when it binds and unbinds a group.
extension GroupInterface {
    /// The host binds the group whose rings are `rings` to this slot (`cs_slot_prog_locked`):
    /// its first `queueCount` queues onto the CS slots, started, at `priority` and with the slot's
    /// doorbell; the other CS slots stopped. One pass over the streams, written in place.
    mutating func bindStreams(to rings: RingSetID, queueCount: Int, slot: Int, priority: UInt8) {
        var streams = self.streams.mutableSpan
        for stream in streams.indices {
            if stream < queueCount {
                streams[stream].input.ring = RingReference(set: rings, queue: stream)
                streams[stream].input.config = UInt32(priority & 0xf) | (UInt32(slot + 1) << 8 & 0xff00)
                streams[stream].input.req = RequestAcknowledge.update(req: streams[stream].input.req, value: StreamRequest.stateStart,
                                                                      mask: StreamRequest.stateMask.rawValue)
                streams[stream].input.ackIRQMask = StreamRequest.eventMask.rawValue
            } else {
                streams[stream].input.ring = nil
                streams[stream].input.req = RequestAcknowledge.update(req: streams[stream].input.req, value: StreamRequest.stateStop,
                                                                      mask: StreamRequest.stateMask.rawValue)
            }
        }
    }

    /// The host unbinds the slot's group: no CS slot points at a ring any more.
    mutating func unbindStreams() {
        var streams = self.streams.mutableSpan
        for stream in streams.indices { streams[stream].input.ring = nil }
    }
}
