/// A property a fuzz target checks beyond "does not trap" (a round trip, a bound), turned
/// into a crash so that libFuzzer stops, reports it and saves the input as `crash-*`.
///
/// `fatalError`, not `precondition`: it stays in release builds and prints the message
/// before the trap, which is what the crash report then shows.
public func fuzzCheck(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
                      file: StaticString = #fileID, line: UInt = #line) {
    if !condition() { fatalError("fuzz property broken: \(message())", file: file, line: line) }
}
