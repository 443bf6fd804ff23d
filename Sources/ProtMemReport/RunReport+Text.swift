extension RunReport {
    /// The text summary `protmem simulate` prints.
    public var textSummary: String {
        var lines: [String] = []
        lines.append("scenario \(scenario) on \(board), design \(design), seed \(seed), \(Self.seconds(duration)) simulated")
        if !firmware.isEmpty { lines.append("firmware: \(firmware)") }
        if !probe.order.isEmpty {
            lines.append("probe (\(probe.order)): \(probe.summary)")
            for step in probe.steps { lines.append("  \(step)") }
        }
        lines.append("")
        lines.append("heaps:")
        let nameWidth = max(4, heaps.map(\.name.count).max() ?? 0)
        lines.append("  " + "name".padding(toLength: nameWidth, withPad: " ", startingAt: 0)
                     + "  peak        at end      after teardown  allocs    failures  fragmentation at end")
        for heap in heaps {
            lines.append("  " + heap.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0) + "  "
                         + Self.bytes(heap.peakBytes).padding(toLength: 10, withPad: " ", startingAt: 0) + "  "
                         + Self.bytes(heap.atEndBytes).padding(toLength: 10, withPad: " ", startingAt: 0) + "  "
                         + Self.bytes(heap.afterTeardownBytes).padding(toLength: 14, withPad: " ", startingAt: 0) + "  "
                         + String(heap.allocations).padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                         + String(heap.failures).padding(toLength: 8, withPad: " ", startingAt: 0) + "  "
                         + (heap.fragmentation.map(Self.percent) ?? "-"))
        }
        lines.append("")
        lines.append("devices:")
        for device in devices {
            lines.append("  \(device.name): \(device.work) done, \(device.faults) faults")
        }
        lines.append("")
        lines.append("protected mode: \(protectedMode.entries) entries, \(protectedMode.exits) exits, \(Self.seconds(protectedMode.timeInside)) inside, "
                     + "enter latency mean \(Self.microseconds(protectedMode.meanEnterLatency)) max \(Self.microseconds(protectedMode.maxEnterLatency))")
        lines.append("  \(protectedMode.enterRequests) GLB_PROTM_ENTER requests, scheduled as \(protectedMode.scheduling)")
        lines.append("faults: \(faultCount)")
        for fault in faults.prefix(20) { lines.append("  \(fault)") }
        if let notListed = faultsNotListed {
            lines.append("  … \(faultCount - UInt64(min(faults.count, 20))) more (the first \(faults.count) are in --json, \(notListed) only counted)")
        } else if faults.count > 20 {
            lines.append("  … \(faults.count - 20) more (all of them are in --json)")
        }
        lines.append("invariant violations: \(violations.count)")
        for violation in violations { lines.append("  \(violation)") }
        if !injectedFaults.isEmpty { lines.append("injected faults:") }
        for fault in injectedFaults { lines.append("  " + fault.summary) }
        for shortfall in shortfalls { lines.append(shortfall.note) }
        if let expectation { lines.append(expectation.line(faultCount: faultCount, violationCount: UInt64(violations.count))) }
        return lines.joined(separator: "\n")
    }

    /// Bytes in binary units with two decimals, as the summaries print them.
    public static func bytesText(_ value: UInt64) -> String { bytes(value) }

    static func bytes(_ value: UInt64) -> String {
        for (shift, unit) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where value >= 1 << UInt64(shift) {
            let scaled = Double(value) / Double(UInt64(1) << UInt64(shift))
            return fixed(scaled, 2) + " " + unit
        }
        return "\(value) B"
    }

    static func seconds(_ nanoseconds: UInt64) -> String { fixed(Double(nanoseconds) / 1e9, 3) + " s" }
    static func microseconds(_ nanoseconds: UInt64) -> String { fixed(Double(nanoseconds) / 1e3, 1) + " µs" }
    static func percent(_ fraction: Double) -> String { fixed(fraction * 100, 1) + "%" }

    /// A decimal with exactly `digits` places, the same on every host (no locale, no `%g`).
    public static func fixed(_ value: Double, _ digits: Int) -> String {
        var scale = 1.0
        for _ in 0..<digits { scale *= 10 }
        let scaled = (value * scale).rounded()
        let negative = scaled < 0
        let magnitude = UInt64(abs(scaled))
        let divisor = UInt64(scale)
        var text = String(magnitude / divisor)
        if digits > 0 {
            let fraction = String(magnitude % divisor)
            text += "." + String(repeating: "0", count: digits - fraction.count) + fraction
        }
        return (negative ? "-" : "") + text
    }
}

extension RunReport.InjectedFaultOutcome {
    /// The summary's line: what, when, whether frames flowed again and how soon.
    public var summary: String {
        var line = "\(kind) at \(RunReport.seconds(at))"
        if duration > 0 { line += " for \(RunReport.seconds(duration))" }
        switch recovered {
        case true?: line += ": recovered after \(RunReport.seconds(recoveryTime ?? 0))"
        case false?: line += ": not recovered"
        case nil: line += ": recovery not measured"
        }
        line += ", \(framesLost) frames lost, \(framesCompleted) finished"
        if allocationFailures > 0 { line += ", \(allocationFailures) allocations refused" }
        if !detail.isEmpty { line += " (\(detail))" }
        return line
    }
}
