import ArgumentParser
import Foundation
import ProtMemBoard

/// `protmem board`: what a board is made of, from its device tree (or the built-in default):
/// memory, reserved regions, heaps, devices and which protected-memory design the GPU uses,
/// and the nodes the model leaves alone.
struct BoardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "board",
        abstract: "Summarise a board built from a device tree blob (memory, regions, heaps, devices).",
        discussion: """
            Without a board blob (the argument or --board), the built-in default board. --json prints one object with the keys name, source, \
            dram, memory, reserved_memory, heaps, gpu, optee, hypervisor, heap_devices, unmodelled (sizes and addresses \
            in bytes; absent parts are null).
            """
    )

    @OptionGroup var boardOptions: BoardOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let loaded = try boardOptions.load()
        let board = try loaded.build()
        let report = BoardReport(loaded, board: board)
        print(json ? try report.json() : report.text)
    }
}
