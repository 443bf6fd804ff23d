import ArgumentParser

@main
struct ProtMem: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protmem",
        abstract: "Run the Linux protected-memory stack (DMA-BUF heaps, secure heaps, Panthor) as a model.",
        version: ProtMemVersion.text,
        subcommands: [Simulate.self, Compare.self, Size.self, Heaps.self, BoardCommand.self, DTB.self, Firmware.self, ABI.self, AttackCommand.self]
    )
}
