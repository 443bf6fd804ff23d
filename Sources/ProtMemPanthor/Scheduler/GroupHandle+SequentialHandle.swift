@_spi(CSFHost) import ProtMemCSF

/// Groups and VMs are numbered from 1 and never reused, so the device keeps them in
/// ``HandleTable``s.
extension GroupHandle: SequentialHandle {}
extension VMHandle: SequentialHandle {}
