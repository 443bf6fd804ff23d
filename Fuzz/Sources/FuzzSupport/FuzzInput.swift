/// What libFuzzer hands `LLVMFuzzerTestOneInput`, as the `[UInt8]` the parsers take.
///
/// The parsers' public entry points take arrays (the way the command-line tool reads a file),
/// so each input is copied once; at the sizes libFuzzer tries (`-max_len`, 4 KiB by default
/// for a seedless start, the largest seed otherwise) the copy is a small part of an execution.
public enum FuzzInput {
    public static func bytes(_ data: UnsafePointer<UInt8>?, _ count: Int) -> [UInt8] {
        guard let data, count > 0 else { return [] }
        return Array(UnsafeBufferPointer(start: data, count: count))
    }
}
