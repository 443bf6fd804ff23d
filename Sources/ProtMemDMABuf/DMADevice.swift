import ProtMemMemory

/// A device that imports dma-bufs: `struct device` as the dma-buf core sees it, plus the bus
/// master its DMA goes out as.
public struct DMADevice: Hashable, Sendable, CustomStringConvertible {
    /// `dev_name()`, as `bufinfo` prints it, e.g. `fb000000.gpu`.
    public let name: String
    public let master: BusMaster

    public init(name: String, master: BusMaster) {
        self.name = name
        self.master = master
    }

    public var description: String { name }
}
