#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Seeds a target can make itself (inputs that exist only as code: the synthetic firmware
/// image, encoded OP-TEE message blocks). libFuzzer reads seeds only from folders, so when
/// `PROTMEM_FUZZ_WRITE_SEEDS` names a folder, the target's `LLVMFuzzerInitialize` writes
/// them there and the process exits before fuzzing; Scripts/fuzz.sh does this once per run.
public enum BuiltinSeeds {
    public static let environmentVariable = "PROTMEM_FUZZ_WRITE_SEEDS"

    /// Writes `seeds` (file name, bytes) into the folder the environment names and exits
    /// with status 0; does nothing when the variable is unset.
    public static func writeIfAsked(_ seeds: @autoclosure () -> [(name: String, bytes: [UInt8])]) {
        guard let folder = getenv(environmentVariable).map({ String(cString: $0) }), !folder.isEmpty else { return }
        for seed in seeds() {
            let path = folder + "/" + seed.name
            guard let file = fopen(path, "wb") else { fatalError("cannot write seed \(path)") }
            let written = seed.bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
            fclose(file)
            guard written == seed.bytes.count else { fatalError("short write to seed \(path)") }
        }
        exit(0)
    }
}
