import ArgumentParser
import Foundation
import ProtMemBoard
import ProtMemPanthor
import ProtMemSimulation
import ProtMemTime
import ProtMemUserspace

/// `protmem abi`: the userspace ABI of the model, driven by scripts.
struct ABI: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Drive the model's userspace ABI (/dev/dma_heap, dma-buf fds, /dev/udmabuf).",
        subcommands: [ABIRun.self]
    )
}

/// `protmem abi run FILE`: runs an ABI script against the built-in default board in one
/// process (or, with `--backend linux`, against the running kernel) and prints one JSON result
/// per executed line (see abi-script.md).
struct ABIRun: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run an ABI script (one JSON call per line) against the built-in default board or the running kernel.",
        discussion: """
        Prints one JSON object per executed line. A malformed line (bad JSON, an unknown op or \
        field, a missing field, a name no earlier line created) stops the run before that line \
        with a message on standard error, exit status 2. With --backend linux the calls go to \
        this machine's kernel (/dev/dma_heap, /dev/udmabuf, memfd); without /dev/dma_heap that \
        is an error, exit status 1.
        """
    )

    @Argument(help: "The script: one JSON object per line; blank lines and lines starting with # are skipped.")
    var file: String

    @Option(help: "Who answers the calls: model (the built-in default board) or linux (the running kernel).")
    var backend: Backend = .model

    @Flag(name: .customLong("userspace-import"),
          help: "The GPU takes its protected memory from userspace (Boris Brezillon's May 2026 proposal): DEV_QUERY reports what to import, FW_PROTECTED_IMPORT takes the firmware's sections, GROUP_CREATE the suspend buffer.")
    var userspaceImport = false

    @Option(help: ArgumentHelp("The model answers as this kernel where the kernels ProtMem checks differ (udmabuf's size_limit_mb): \(KernelVersion.allCases.map(\.rawValue).joined(separator: " or ")); default 6.12.",
                               valueName: "version"))
    var kernel: KernelVersion?

    @Option(name: .customLong("protected-heap-name"),
            help: "The series' panthor.protected_heap_name module parameter (patch 4) instead of the board's device-tree property; empty means no protected mode.")
    var protectedHeapName: String?

    func validate() throws {
        if backend == .linux, kernel != nil {
            throw ValidationError("--kernel says which kernel the model answers as; --backend linux answers as the running kernel")
        }
    }

    func run() throws {
        let data: [UInt8]
        do {
            data = try HostFile.read(file)
        } catch {
            throw DTBFile.failure("\(error)")
        }
        let process: any UserspaceSyscalls
        var model: UserProcess?
        switch backend {
        case .model:
            let board: Board
            do {
                board = try Board.builtinDefault()
            } catch {
                throw ValidationError("cannot build the board: \(error)")
            }
            model = Userspace(board: board, udmabufSizeLimitMB: (kernel ?? .linux6_12).udmabufSizeLimitMB, gpu: try makeGPU(on: board)).spawn(name: "abi-script")
            process = model!
        case .linux:
            process = try Backend.linuxProcess()
        }
        defer { model?.exit() }
        let runner = ABIScriptRunner(process: process)
        var output = FileHandle.standardOutput
        do {
            var number = 0
            for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
                number += 1
                var bytes = Array(line)
                if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
                guard let text = String(validating: bytes, as: UTF8.self) else {
                    throw ABIScriptError(line: number, column: Self.validUTF8Prefix(bytes) + 1, problem: "not valid UTF-8")
                }
                if let result = try runner.run(line: text, number: number) {
                    print(result.json, to: &output)
                }
            }
        } catch let error as ABIScriptError {
            Diagnostics.print(error.diagnostic(file: file))
            throw ExitCode(2)
        }
    }

    /// The board's GPU behind /dev/dri/renderD128, probed once at "boot": a probe that fails
    /// or defers leaves the node absent, as a driver that never bound does.
    func makeGPU(on board: Board) throws -> PanthorDevice? {
        guard board.gpu != nil else { return nil }
        let lookup = protectedHeapName.map { ProtectedHeapLookup(source: .moduleParameter, whenMissing: .withoutProtectedMode, moduleParameter: $0) }
            ?? ProtectedHeapLookup()
        let firmware: [UInt8]
        do {
            firmware = try FirmwareLocator.load(nil).bytes
        } catch {
            throw ValidationError("\(error)")
        }
        do {
            let device = try board.makeGPU(firmware: firmware, events: EventQueue(), userspaceProtectedMemory: userspaceImport, heapLookup: lookup)
            try device.probe()
            return device
        } catch {
            Diagnostics.print("protmem abi run: the GPU did not probe, so /dev/dri/renderD128 is absent: \(error)")
            return nil
        }
    }

    /// How many bytes of `bytes` decode as UTF-8 before the first that does not.
    static func validUTF8Prefix(_ bytes: [UInt8]) -> Int {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var count = 0
        while case .valid(let scalar) = parser.parseScalar(from: &iterator) { count += scalar.count }
        return count
    }
}

extension FileHandle: @retroactive TextOutputStream {
    public func write(_ string: String) {
        write(Data(string.utf8))
    }
}

extension KernelVersion: ExpressibleByArgument {}
