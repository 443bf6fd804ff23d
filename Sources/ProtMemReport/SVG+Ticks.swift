extension SVG {
    /// What an axis measures, and so which units its ticks are labelled in.
    enum Quantity {
        /// Virtual nanoseconds, labelled in ns, µs, ms or s.
        case time
        /// Bytes, labelled in B, KiB, MiB or GiB.
        case bytes
        /// A fraction, labelled in percent.
        case fraction

        /// The unit an axis up to `maximum` is labelled in: its size in base units and its name.
        func unit(upTo maximum: Double) -> (scale: Double, name: String) {
            switch self {
            case .time:
                for (scale, name) in [(1e9, "s"), (1e6, "ms"), (1e3, "µs")] where maximum >= scale { return (scale, name) }
                return (1, "ns")
            case .bytes:
                for (shift, name) in [(30, "GiB"), (20, "MiB"), (10, "KiB")] where maximum >= Double(UInt64(1) << UInt64(shift)) {
                    return (Double(UInt64(1) << UInt64(shift)), name)
                }
                return (1, "B")
            case .fraction:
                return (0.01, "%")
            }
        }
    }

    /// An axis tick: where it is, in the axis's base units, and its label with the unit.
    struct Tick {
        var value: Double
        var label: String
    }

    /// Ticks from 0 to `maximum` (in base units), at most `count` + 1 of them, a step of 1, 2
    /// or 5 times a power of ten of the unit apart, each labelled with the unit ("200 ms",
    /// "1.5 s", "16 MiB", "40%").
    /// With `covering`, the last tick is at or past `maximum` (an axis that ends on a tick).
    static func ticks(upTo maximum: Double, _ quantity: Quantity, count: Int, covering: Bool = false) -> [Tick] {
        guard maximum > 0, count > 0 else { return [Tick(value: 0, label: "0 " + quantity.unit(upTo: 0).name)] }
        let (scale, unit) = quantity.unit(upTo: maximum)
        let top = maximum / scale
        let (step, decimals) = niceStep(top / Double(count))
        let last = covering ? (top / step * (1 - 1e-9)).rounded(.up) * step : top
        var ticks: [Tick] = []
        var index = 0.0
        while index * step <= last * (1 + 1e-9) {
            let value = index * step
            ticks.append(Tick(value: value * scale, label: RunReport.fixed(value, decimals) + (unit == "%" ? "%" : " " + unit)))
            index += 1
        }
        return ticks
    }

    /// The smallest of 1, 2 and 5 times a power of ten at least `raw`, and the decimals it
    /// needs.
    static func niceStep(_ raw: Double) -> (step: Double, decimals: Int) {
        var exponent = 0, power = 1.0
        while power * 10 <= raw { power *= 10; exponent += 1 }
        while power > raw { power /= 10; exponent -= 1 }
        for multiple in [1.0, 2, 5, 10] where multiple * power >= raw * (1 - 1e-9) {
            let decimals = multiple == 10 ? max(0, -(exponent + 1)) : max(0, -exponent)
            return (multiple * power, decimals)
        }
        return (10 * power, max(0, -(exponent + 1)))
    }

    /// How many ticks fit along `length` when each label may be `label` characters wide.
    static func tickCount(along length: Double, label: Int) -> Int {
        max(1, Int(length / (textWidth(String(repeating: "0", count: label)) + 24)))
    }

    /// A horizontal axis under a plot at `y`: a tick mark and a label for each tick; `scale`
    /// maps a value in base units to x.
    static func horizontalAxis(_ ticks: [Tick], y: Double, x: (Double) -> Double) -> String {
        var out = "<g class=\"axis\">"
        for tick in ticks {
            let position = x(tick.value)
            out += line(x1: position, y1: y, x2: position, y2: y + 4, stroke: "#999")
            out += text(tick.label, x: position, y: y + 15, anchor: .middle, className: "tick")
        }
        return out + "</g>"
    }
}
