import Synchronization

/// Every name a ``BusMaster`` has been given, each once, so a master carries a number rather
/// than a `String`. Names are few (a board's devices) and never forgotten: a master may be
/// kept anywhere for any time, and its name must still be found.
enum BusMasterNames {
    private static let table = Mutex<(names: [String], numbers: [String: UInt32])>(([], [:]))

    /// The number of `name`, given one the first time it is seen.
    static func number(of name: String) -> UInt32 {
        table.withLock { table in
            if let number = table.numbers[name] { return number }
            let number = UInt32(table.names.count)
            table.names.append(name)
            table.numbers[name] = number
            return number
        }
    }

    static func name(_ number: UInt32) -> String {
        table.withLock { $0.names[Int(number)] }
    }
}
