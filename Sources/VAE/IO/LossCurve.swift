import Foundation

/// A picture of a run's curves per epoch, in three stacked panels (loss, reconstruction NLL, KL), each with
/// titled axes, ticks and a light grid, the training figure in blue and the test figure in orange.
///
/// Epoch 1's loss is often several times the rest: when it would squash the later epochs into the bottom
/// of a panel, the panel's range leaves it out and it is drawn as an arrow at the top, marked with its value.
public enum LossCurve {
    static let trainColour: Canvas.Colour = (31, 119, 180), testColour: Canvas.Colour = (230, 85, 13)
    static let ink: Canvas.Colour = (40, 40, 40), grid: Canvas.Colour = (228, 228, 228)
    static let axis: Canvas.Colour = (150, 150, 150)

    public static func draw(_ records: [EpochRecord], width: Int = 720, panelHeight: Int = 230) -> PNGImage {
        let footer = 30
        var canvas = Canvas(width: width, height: 3 * panelHeight + footer)
        let panels: [(String, KeyPath<LossSummary, Double>)] = [
            ("LOSS (NATS PER IMAGE)", \.loss), ("RECONSTRUCTION", \.reconstruction), ("KL", \.kl),
        ]
        let epochs = records.map(\.epoch)
        for (index, (title, key)) in panels.enumerated() {
            panel(
                &canvas, title: title, epochs: epochs, train: records.map { $0.train[keyPath: key] },
                test: records.map { $0.test[keyPath: key] }, top: index * panelHeight, height: panelHeight)
        }
        canvas.text("EPOCH", centredOn: (plotLeft + width - plotRightMargin) / 2, 3 * panelHeight + 8, ink)
        // The legend, top right.
        let legendX = width - plotRightMargin - 150
        for (k, (name, colour)) in [("TRAIN", trainColour), ("TEST", testColour)].enumerated() {
            let x = legendX + k * 80
            canvas.line(x, 13, x + 22, 13, colour, thickness: 3)
            canvas.text(name, x + 28, 9, ink)
        }
        return canvas.image
    }

    static let plotLeft = 78, plotRightMargin = 20

    static func panel(
        _ canvas: inout Canvas, title: String, epochs: [Int], train: [Double], test: [Double], top panelTop: Int,
        height: Int
    ) {
        let left = plotLeft, right = canvas.width - plotRightMargin
        let top = panelTop + 32, bottom = panelTop + height - 30
        canvas.text(title, left, panelTop + 10, ink)
        guard !epochs.isEmpty else { return }
        // The y range: every finite value, less epoch 1 when it stands far above the rest.
        let all = (train + test).filter(\.isFinite)
        let later = (train.dropFirst() + test.dropFirst()).filter(\.isFinite)
        var (lo, hi) = (all.min() ?? 0, all.max() ?? 1)
        var clipped = false
        if epochs.count >= 3, let laterLo = later.min(), let laterHi = later.max(),
            hi > laterHi + max(laterHi - laterLo, abs(laterHi) * 1e-3)
        {
            (lo, hi) = (min(laterLo, lo), laterHi)
            clipped = true
        }
        let ticks = niceTicks(lo, hi, count: 5)
        let (axisLo, axisHi) = (ticks.first ?? lo, max(ticks.last ?? hi, (ticks.first ?? lo) + 1e-300))
        let (firstEpoch, lastEpoch) = (Double(epochs.first!), Double(epochs.last!))
        func x(_ epoch: Int) -> Int {
            guard lastEpoch > firstEpoch else { return (left + right) / 2 }
            return left
                + Int((Double(right - left) * (Double(epoch) - firstEpoch) / (lastEpoch - firstEpoch)).rounded())
        }
        func y(_ v: Double) -> Int {
            // In [0, 1]: no huge or NaN double reaches Int(). Halves first, so a span cannot overflow.
            let span = axisHi / 2 - axisLo / 2
            let fraction = span > 0 ? min(max((v / 2 - axisLo / 2) / span, 0), 1) : 0.5
            return bottom - Int((Double(bottom - top) * fraction).rounded())
        }
        // Grid and tick labels.
        let decimals = ticks.count > 1 ? max(0, min(6, Int(-floor(log10(max(ticks[1] - ticks[0], 1e-12)))))) : 1
        for t in ticks {
            canvas.line(left, y(t), right, y(t), grid)
            canvas.text(String(format: "%.\(decimals)f", t), right: left - 8, y(t) - 5, ink)
        }
        for e in epochTicks(first: epochs.first!, last: epochs.last!) {
            canvas.line(x(e), top, x(e), bottom, grid)
            canvas.line(x(e), bottom, x(e), bottom + 4, axis)
            canvas.text(String(e), centredOn: x(e), bottom + 8, ink)
        }
        canvas.line(left, bottom, right, bottom, axis)
        canvas.line(left, top, left, bottom, axis)
        // The curves: test over train.
        for (series, colour) in [(train, trainColour), (test, testColour)] {
            for i in series.indices where series[i].isFinite {
                let above = clipped && i == 0 && series[i] > axisHi
                if above {
                    // An arrow at the top edge, and the value it stands for.
                    canvas.line(x(epochs[i]), top + 10, x(epochs[i]), top, colour, thickness: 2)
                    canvas.line(x(epochs[i]) - 4, top + 4, x(epochs[i]), top, colour, thickness: 2)
                    canvas.line(x(epochs[i]) + 4, top + 4, x(epochs[i]), top, colour, thickness: 2)
                    let label = String(format: "%.1f", series[i])
                    canvas.text(label, x(epochs[i]) + 8, top + (colour == trainColour ? 0 : 12), colour)
                } else {
                    canvas.dot(x(epochs[i]), y(series[i]), colour, radius: 3)
                }
                if i > 0, series[i - 1].isFinite {
                    let from = clipped && i == 1 && series[0] > axisHi ? top : y(series[i - 1])
                    canvas.line(x(epochs[i - 1]), from, x(epochs[i]), y(series[i]), colour, thickness: 2)
                }
            }
        }
    }

    /// About `count` round values (1, 2 or 5 × 10ⁿ apart) whose range covers [lo, hi].
    static func niceTicks(_ lo: Double, _ hi: Double, count: Int) -> [Double] {
        guard lo.isFinite, hi.isFinite, abs(lo) < 1e15, abs(hi) < 1e15 else { return [0, 1] }
        let span = max(hi - lo, max(abs(hi), 1) * 1e-6)
        let raw = span / Double(max(1, count - 1))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        let first = floor(lo / step) * step, last = ceil(hi / step) * step
        let n = min(50, Int(((last - first) / step).rounded()))
        return (0...max(1, n)).map { first + Double($0) * step }
    }

    /// Round epoch numbers (steps of 1, 2, 5, 10, …) from `first` to `last`, at most about ten.
    static func epochTicks(first: Int, last: Int) -> [Int] {
        guard last > first else { return [first] }
        let step =
            [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000].first { (last - first) / $0 <= 10 }
            ?? max(1, (last - first) / 10)
        let start = first % step == 0 ? first : first + step - first % step
        var ticks = Array(stride(from: start, through: last, by: step))
        if ticks.first != first && ticks.first.map({ $0 - first >= step / 2 }) ?? true { ticks.insert(first, at: 0) }
        return ticks
    }
}
