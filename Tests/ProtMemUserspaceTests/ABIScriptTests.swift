import ProtMemBoard
import ProtMemDMABuf
import ProtMemMemory
import ProtMemUserspace
import Testing

/// Decoding ABI script lines (abi-script.md): what is accepted, and the message for every
/// way a line can be malformed.
@Suite struct ABIScriptTests {
    func call(_ line: String) throws -> ABIScriptCall? {
        try ABIScriptCall.parse(line: line, number: 7)
    }

    func problem(_ line: String) -> String? {
        do {
            _ = try ABIScriptCall.parse(line: line, number: 7)
            return nil
        } catch {
            #expect(error.line == 7)
            return error.problem
        }
    }

    @Test func blankLinesAndCommentsAreSkipped() throws {
        for line in ["", "   ", "\t", "# a comment", "   # indented", "#{\"op\": \"nonsense\"}"] {
            #expect(try call(line) == nil)
        }
    }

    @Test func numbersAndFlagsInEveryForm() throws {
        #expect(try call(#"{"op": "alloc", "fd": "h", "len": "0x1000", "fd_flags": "O_RDWR|O_CLOEXEC", "heap_flags": 0, "as": "b"}"#)
            == .alloc(fd: "h", length: 4096, fdFlags: 0o2000002, heapFlags: 0, inFD: 0, as: "b"))
        #expect(try call(#"{"op": "alloc", "fd": "h", "len": "18446744073709551615", "fd_flags": 2, "heap_flags": "0X8000000000000000", "in_fd": -1, "as": "b"}"#)
            == .alloc(fd: "h", length: .max, fdFlags: 2, heapFlags: 1 << 63, inFD: .max, as: "b"))
        #expect(try call(#"{"op": "sync", "fd": "b", "flags": "DMA_BUF_SYNC_END | DMA_BUF_SYNC_READ | 0x8"}"#) == .sync(fd: "b", flags: 13))
        #expect(try call(#"{"op": "ioctl", "fd": "b", "request": "DMA_BUF_SET_NAME_B", "arg_hex": "4142Ff00"}"#)
            == .ioctl(fd: "b", request: 0x4008_6201, argument: [0x41, 0x42, 0xff, 0]))
        #expect(try call(#"{"op": "mmap", "fd": "b", "len": 4096, "prot": "PROT_READ|PROT_WRITE", "flags": "MAP_SHARED", "as": "m"}"#)
            == .mmap(fd: "b", length: 4096, offset: 0, protection: 3, flags: 1, as: "m"))
        #expect(try call(#"{"op": "memfd", "len": 1, "as": "m"}"#) == .memfd(length: 1, seals: 0, as: "m"))
        #expect(try call(#"{"op": "read", "map": "m", "len": 16777216}"#) == .read(map: "m", offset: 0, length: ABIScriptCall.maximumReadLength))
        #expect(try call(#"  {"as": "u", "size": 4096, "memfd": "m", "fd": "d", "op": "udmabuf_create"}  "#)
            == .udmabufCreate(fd: "d", memfd: "m", offset: 0, size: 4096, flags: 0, as: "u"))
        #expect(try call(#"{"op": "set_name", "fd": "b", "name": "caf\u00e9 \"x\"\n"}"#) == .setName(fd: "b", name: "café \"x\"\n"))
    }

    @Test(arguments: [
        (#"{"op": "open", "path": "/dev/null", "flags": 0, "as": "n""#, "not valid JSON"),
        (#"{"op": "open",}"#, "not valid JSON"),
        (#"{"op": "close", "fd": "a", "fd": "b"}"#, "duplicate key \"fd\""),
        (#"["op", "close"]"#, "expected a JSON object, found an array"),
        (#"{"fd": "a"}"#, "missing field \"op\""),
        (#"{"op": 3}"#, "field \"op\" must be a string"),
        (#"{"op": "allocate", "fd": "h"}"#, "unknown op \"allocate\""),
        (#"{"op": "close"}"#, "op \"close\" needs field \"fd\""),
        (#"{"op": "alloc", "fd": "h", "len": 1, "fd_flags": 0, "heap_flags": 0}"#, "op \"alloc\" needs field \"as\""),
        (#"{"op": "close", "fd": "a", "flags": 1}"#, "unknown field \"flags\" for op \"close\""),
        (#"{"op": "close", "fd": 3}"#, "field \"fd\" must be a string, found a number"),
        (#"{"op": "close", "fd": ""}"#, "field \"fd\" must name something"),
        (#"{"op": "open", "path": "/dev/null", "flags": "O_RDWR|O_BOGUS", "as": "n"}"#, "unknown name \"O_BOGUS\""),
        (#"{"op": "open", "path": "/dev/null", "flags": "O_RDWR|", "as": "n"}"#, "empty flag"),
        (#"{"op": "read", "map": "m", "len": 1.5}"#, "field \"len\": \"1.5\" is not an integer"),
        (#"{"op": "read", "map": "m", "len": "18446744073709551616"}"#, "is not an integer that fits in 64 bits"),
        (#"{"op": "memfd", "len": 1, "seals": 4294967296, "as": "m"}"#, "is not an integer that fits in 32 bits"),
        (#"{"op": "read", "map": "m", "len": true}"#, "must be an integer or a string holding one, found a boolean"),
        (#"{"op": "write", "map": "m", "hex": "abc"}"#, "odd number of hex digits"),
        (#"{"op": "write", "map": "m", "hex": "zz"}"#, "is not hex"),
        (#"{"op": "ioctl", "fd": "b", "request": "DMA_BUF_IOCTL_SYNC|1"}"#, "takes one value"),
        (#"{"op": "read", "map": "m", "len": 1610612736}"#, "field \"len\": 1610612736 bytes is more than one read may print (at most 16777216, 16 MiB)"),
        (#"{"op": "read", "map": "m", "offset": 0, "len": "0xffffffffffffffff"}"#, "field \"len\": 18446744073709551615 bytes is more than one read may print"),
    ])
    func malformedLinesNameTheProblem(_ line: String, _ expected: String) {
        let message = problem(line)
        #expect(message?.contains(expected) == true, "\(line) → \(message ?? "accepted")")
    }

    /// The column points where the problem is: the JSON syntax error, the field's value, the
    /// key of a field the op does not take, or 1 for the line as a whole.
    @Test(arguments: [
        (#"{"op": "open",}"#, 15),
        (#"{"op": "close", "fd": 3}"#, 23),
        (#"{"op": "close", "fd": "a", "flags": 1}"#, 28),
        (#"{"op": "allocate", "fd": "h"}"#, 8),
        (#"{"op": "close"}"#, 1),
        (#"  ["op"]"#, 3),
    ])
    func errorsPointAtTheirColumn(_ line: String, _ column: Int) {
        do {
            _ = try ABIScriptCall.parse(line: line, number: 7)
            Issue.record("accepted \(line)")
        } catch {
            #expect(error.line == 7 && error.column == column, "\(line) → \(error.column): \(error.problem)")
            #expect(error.diagnostic(file: "s.jsonl") == "s.jsonl:7:\(column): error: \(error.problem)")
        }
    }

    /// The runner checks names before running anything of the line, and stops there.
    @Test func unknownNamesStopTheRunBeforeTheLine() throws {
        try withUserspace { userspace, process in
            let runner = ABIScriptRunner(process: process)
            var results: [String] = []
            let script = """
            {"op": "open", "path": "/dev/dma_heap/system", "flags": "O_RDWR", "as": "heap"}
            {"op": "alloc", "fd": "heap", "len": 4096, "fd_flags": "O_RDWR", "heap_flags": 0, "as": "buf"}
            {"op": "mmap", "fd": "buf", "len": 4096, "prot": "PROT_READ", "flags": "MAP_SHARED", "as": "map"}
            {"op": "read", "map": "buf", "len": 1}
            {"op": "alloc", "fd": "heap", "len": 4096, "fd_flags": "O_RDWR", "heap_flags": 0, "as": "never"}
            """
            #expect(throws: ABIScriptError(line: 4, column: 23, problem: "field \"map\" names \"buf\", a descriptor, where a mapping is needed")) {
                try runner.run(script) { results.append($0.json) }
            }
            #expect(results.count == 3)
            #expect(userspace.board.dmaBufs.count == 1, "line 5 ran")
            #expect(throws: ABIScriptError(line: 9, column: 23, problem: "field \"fd\" names \"map\", a mapping, where a descriptor is needed")) {
                _ = try runner.run(line: #"{"op": "close", "fd": "map"}"#, number: 9)
            }
            #expect(throws: ABIScriptError(line: 10, column: 49, problem: "field \"memfd\" names \"nothing\", which no earlier line created")) {
                _ = try runner.run(line: #"{"op": "udmabuf_create", "fd": "heap", "memfd": "nothing", "size": 1, "as": "u"}"#, number: 10)
            }
        }
    }

    /// A failed call binds nothing; a closed name stays bound and answers EBADF.
    @Test func namesFollowTheCorners() throws {
        try withUserspace { _, process in
            let runner = ABIScriptRunner(process: process)
            func run(_ line: String) throws -> String { try #require(try runner.run(line: line, number: 1)).json }
            _ = try run(#"{"op": "open", "path": "/dev/dma_heap/system", "flags": "O_RDWR", "as": "heap"}"#)
            #expect(try run(#"{"op": "alloc", "fd": "heap", "len": 0, "fd_flags": 0, "heap_flags": 0, "as": "b"}"#)
                == #"{"line": 1, "op": "alloc", "ok": false, "errno": "EINVAL"}"#)
            #expect(throws: ABIScriptError.self) { try runner.run(line: #"{"op": "close", "fd": "b"}"#, number: 2) }
            _ = try run(#"{"op": "close", "fd": "heap"}"#)
            // Another descriptor now takes the closed number; the closed name still answers EBADF.
            _ = try run(#"{"op": "open", "path": "/dev/dma_heap/system", "flags": "O_RDWR", "as": "other"}"#)
            #expect(try run(#"{"op": "alloc", "fd": "heap", "len": 1, "fd_flags": 0, "heap_flags": 0, "as": "b"}"#)
                == #"{"line": 1, "op": "alloc", "ok": false, "errno": "EBADF"}"#)
            #expect(try run(#"{"op": "fdinfo", "fd": "heap"}"#) == #"{"line": 1, "op": "fdinfo", "ok": false, "errno": "ENOENT"}"#)
        }
    }

    @Test func resultsAreRenderedExactly() {
        #expect(ABIScriptResult(line: 3, op: "read", outcome: .bytes([0, 0xab, 0x10])).json == #"{"line": 3, "op": "read", "ok": true, "hex": "00ab10"}"#)
        #expect(ABIScriptResult(line: 4, op: "fdinfo", outcome: .fields([("size", "4096"), ("name", "a\"b\\\t\u{1}")])).json
            == #"{"line": 4, "op": "fdinfo", "ok": true, "fields": {"size": "4096", "name": "a\"b\\\t\u0001"}}"#)
        #expect(ABIScriptResult(line: 5, op: "fdinfo", outcome: .fields([])).json == #"{"line": 5, "op": "fdinfo", "ok": true, "fields": {}}"#)
        #expect(ABIScriptResult(line: 6, op: "close", outcome: .failed(errno: "EBADF")).json == #"{"line": 6, "op": "close", "ok": false, "errno": "EBADF"}"#)
    }
}
