/// One design's answer to one injected fault, for the comparison's recovery plot.
public struct FaultRecovery: Hashable, Sendable {
    public var design: String
    /// The fault's kind and when it came (`gpu-reset-protected at 0.300 s`).
    public var fault: String
    /// Virtual nanoseconds from the injection until frames flowed again; `nil` when they did
    /// not (or nothing measured it).
    public var recoveryTime: UInt64?
    public var framesLost: UInt64

    public init(design: String, fault: String, recoveryTime: UInt64?, framesLost: UInt64) {
        self.design = design
        self.fault = fault
        self.recoveryTime = recoveryTime
        self.framesLost = framesLost
    }

    /// A group of bars a fault, one a design, on one time axis: how long each design took to
    /// show frames again, with the frames it lost beside the bar.
    public static func plot(_ recoveries: [FaultRecovery]) -> String { SVG.faultRecovery(recoveries) }
}

extension SVG {
    static let recoveryColor = "#59a14f"

    static func faultRecovery(_ recoveries: [FaultRecovery], width: Double = 760) -> String {
        var faults: [String] = []
        for recovery in recoveries where !faults.contains(recovery.fault) { faults.append(recovery.fault) }
        let labelWidth = max(60, (recoveries.map { textWidth($0.design) }.max() ?? 0) + 8)
        let lostWidth = 110.0
        let left = 20.0 + labelWidth, right = 30.0 + lostWidth, top = 10.0, barHeight = 10.0, groupGap = 12.0, headerHeight = 14.0
        let plotWidth = width - left - right
        let maximum = Double(recoveries.compactMap(\.recoveryTime).max() ?? 0)
        let ticks = ticks(upTo: maximum, .time, count: tickCount(along: plotWidth, label: 8), covering: true)
        let scale = max(ticks.last?.value ?? maximum, 1)
        func x(_ nanoseconds: Double) -> Double { left + plotWidth * nanoseconds / scale }

        var body = ""
        var y = top
        for fault in faults {
            body += text(truncated(fault, width: width - 40), x: 20, y: y + headerHeight - 4, className: "fault-label")
            y += headerHeight
            for recovery in recoveries where recovery.fault == fault {
                body += text(truncated(recovery.design, width: labelWidth - 8), x: left - 6, y: y + barHeight - 1, anchor: .end, className: "design-label")
                if let time = recovery.recoveryTime {
                    let barWidth = max(0.5, x(Double(time)) - left)
                    body += "<rect class=\"recovery\" x=\"\(number(left))\" y=\"\(number(y))\" width=\"\(number(barWidth))\" height=\"\(number(barHeight - 1))\" fill=\"\(recoveryColor)\">"
                        + "<title>\(escape(recovery.design)), \(escape(fault)): recovered after \(RunReport.seconds(time))</title></rect>"
                } else {
                    body += text("not recovered", x: left + 2, y: y + barHeight - 1, size: 8, className: "missing", fill: "#666")
                }
                body += text("\(recovery.framesLost) frames lost", x: width - right + 6, y: y + barHeight - 1, className: "frames-lost")
                y += barHeight
            }
            y += groupGap
        }
        if faults.isEmpty { body += emptyMessage("no fault injected", x: left, y: top, width: plotWidth, height: 30); y += 30 }
        let bottom = y - groupGap + 2
        body += line(x1: left, y1: top + headerHeight - 2, x2: left, y2: bottom, stroke: "#999")
        body += horizontalAxis(ticks, y: bottom, x: x)
        var height = bottom + 22
        let note = note("each injected fault per design: virtual time from the injection until a frame was shown again with none lost since",
                        x: 20, y: height, width: width - 40, className: "axis-title")
        body += note.svg
        height += note.height
        return open(id: "fault-recovery", width: width, height: height + 6) + body + "</svg>"
    }
}
