import ArgumentParser
import Foundation
import ProtMemBoard

/// `protmem heaps`: the heaps a board registers, as `/dev/dma_heap/` would list them, with
/// what the model knows about each.
struct Heaps: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the DMA-BUF heaps of a board (the built-in default board, or one from a device tree blob) or of the running kernel."
    )

    @OptionGroup var boardOptions: BoardOptions

    @Option(help: "Whose heaps: model (a board) or linux (the running kernel's /dev/dma_heap, names only).")
    var backend: Backend = .model

    @Flag(help: "Print a JSON array of objects with keys name, kind, size, free, protected (sizes in bytes); with --backend linux, name only.")
    var json = false

    func run() throws {
        if backend == .linux {
            guard boardOptions.path == nil, boardOptions.overlays.isEmpty else {
                throw ValidationError("--backend linux lists the running kernel's heaps: it takes no board blob or overlay")
            }
            let names = try Backend.linuxHeapNames()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(names.map { ["name": $0] }), as: UTF8.self))
            } else {
                print((["kernel: /dev/dma_heap", "NAME"] + names).joined(separator: "\n"))
            }
            return
        }
        let board = try boardOptions.load().build()
        let summaries = board.heapSummaries
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summaries), as: UTF8.self))
        } else {
            print(HeapTable(board: board.name, summaries: summaries).rendered)
        }
    }
}

/// The human-readable table of `protmem heaps`.
struct HeapTable {
    let board: String
    let summaries: [HeapSummary]

    var rendered: String {
        let header = ["NAME", "KIND", "SIZE", "FREE", "PROTECTED"]
        let rows = summaries.map { [$0.name, $0.kind, byteCount($0.size), byteCount($0.free), $0.protected ? "yes" : "no"] }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { index, cell in
                index == cells.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        return (["board: \(board)", line(header)] + rows.map(line)).joined(separator: "\n")
    }
}

/// Bytes as the kernel's `string_get_size` style: exact binary units when they divide evenly.
func byteCount(_ bytes: UInt64) -> String {
    for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where bytes >= 1 << UInt64(shift) {
        let whole = bytes >> UInt64(shift)
        if bytes & ((1 << UInt64(shift)) - 1) == 0 { return "\(whole) \(unit)" }
        return String(format: "%.2f \(unit)", Double(bytes) / Double(UInt64(1) << UInt64(shift)))
    }
    return "\(bytes) B"
}
