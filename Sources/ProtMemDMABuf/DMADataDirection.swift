/// `enum dma_data_direction`, with the kernel's values: which way data moves between
/// memory and a device, for mapping and for CPU access brackets.
public enum DMADataDirection: Int32, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// `DMA_BIDIRECTIONAL`
    case bidirectional = 0
    /// `DMA_TO_DEVICE`
    case toDevice = 1
    /// `DMA_FROM_DEVICE`
    case fromDevice = 2
    /// `DMA_NONE`: never valid for a mapping.
    case none = 3

    public var description: String {
        switch self {
        case .bidirectional: "DMA_BIDIRECTIONAL"
        case .toDevice: "DMA_TO_DEVICE"
        case .fromDevice: "DMA_FROM_DEVICE"
        case .none: "DMA_NONE"
        }
    }
}
