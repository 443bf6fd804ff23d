extension Scenario {
    /// What `protmem simulate` runs with no arguments: two seconds of 4K60 secure playback on
    /// the built-in board, the GPU finding its protected heap by name.
    public static let builtin = Scenario(
        name: "builtin-secure-playback-4k60",
        seed: 1,
        board: .builtin,
        design: .heapByName,
        duration: ScenarioDuration(nanoseconds: 2_000_000_000),
        workloads: [.securePlayback(.init(resolution: Resolution(width: 3840, height: 2160), frameRate: 60, buffers: 4))]
    )
}
