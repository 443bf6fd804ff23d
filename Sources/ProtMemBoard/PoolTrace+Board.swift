import ProtMemHeaps
import ProtMemMemory

extension PoolTrace {
    /// The carve-out the carve-out trace runs on: 512 MiB, as the measurements had.
    public static let carveoutRange = PhysicalRange(checkedBase: 0x8000_0000, size: 512 << 20)

    /// The built-in board with its carve-out moved to ``carveoutRange`` (below the static
    /// pool and the CMA area) on `allocator`: the board the heap-framework replays run on.
    public static func carveoutBoard(allocator: PoolAllocatorKind = .firstFit) -> BoardConfiguration {
        var configuration = BoardConfiguration.builtinDefault
        configuration.carveouts[0].range = carveoutRange
        configuration.carveouts[0].allocator = allocator
        return configuration
    }
}
