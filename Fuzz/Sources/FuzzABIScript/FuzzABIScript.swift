import FuzzSupport
import ProtMemUserspace

/// The ABI script decoder (`ABIScriptCall.parse`, with its JSON reader) on every line of the
/// input, split as `ABIScriptRunner.run` splits a file. Each line decodes, is skipped (blank or a
/// comment) or is refused with an `ABIScriptError` naming that line; nothing traps.
///
/// Only decoding: running the calls is the model's business and its resource limits
/// (huge reads, huge allocations) are checked by the userspace tests.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: data == nil ? 0 : size), as: UTF8.self)
    for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
        let content = line.hasSuffix("\r") ? line.dropLast() : line
        do {
            _ = try ABIScriptCall.parse(line: content, number: index + 1)
        } catch {
            fuzzCheck(error.line == index + 1, "refusal names line \(error.line), not \(index + 1)")
            _ = error.description
        }
    }
    return 0
}
