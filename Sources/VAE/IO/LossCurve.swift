import Foundation

/// A picture of a run's curves per epoch (or several runs', to compare), in three stacked panels (loss,
/// reconstruction NLL, KL), each with titled axes, ticks and a light grid; one run's training figure is blue
/// and its test figure orange.
///
/// Epoch 1's loss is often several times the rest: when it would squash the later epochs into the bottom
/// of a panel, the panel's range leaves it out and it is drawn as an arrow at the top, marked with its value.
public enum LossCurve {
    static let trainColour: Canvas.Colour = (31, 119, 180), testColour: Canvas.Colour = (230, 85, 13)
    static let ink: Canvas.Colour = (40, 40, 40), grid: Canvas.Colour = (228, 228, 228)
    static let axis: Canvas.Colour = (150, 150, 150)
    /// One colour per run when several are compared (train thin, test thick).
    static let palette: [Canvas.Colour] = [
        (31, 119, 180), (230, 85, 13), (44, 160, 44), (214, 39, 40), (148, 103, 189), (140, 86, 75),
        (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207),
    ]

    /// One run's curves: train and test of each epoch, in `train` and `test` colours, train drawn thin
    /// (when runs are compared) or with dots like the test curve.
    struct Series {
        var epochs: [Int], train: [Double], test: [Double]
        var trainColour: Canvas.Colour, testColour: Canvas.Colour
        var thinTrain: Bool
    }

    /// One run's curves.
    public static func draw(_ records: [EpochRecord], width: Int = 720, panelHeight: Int = 230) -> PNGImage {
        draw(runs: [("", records)], width: width, panelHeight: panelHeight)
    }

    /// Several runs' curves on shared axes, each run in its colour (test thick with dots, train thin), named
    /// in a legend under the plot. One run draws train in blue and test in orange.
    public static func draw(
        runs: [(name: String, records: [EpochRecord])], width: Int = 720, panelHeight: Int = 230
    ) -> PNGImage {
        let compared = runs.count > 1
        let legendLines = compared ? (runs.count + 2) / 3 : 0
        let footer = 30 + legendLines * 18
        var canvas = Canvas(width: width, height: 3 * panelHeight + footer)
        let panels: [(String, KeyPath<LossSummary, Double>)] = [
            ("LOSS (NATS PER IMAGE)", \.loss), ("RECONSTRUCTION", \.reconstruction), ("KL", \.kl),
        ]
        let epochs = runs.flatMap { $0.records.map(\.epoch) }
        let span = (epochs.min() ?? 1, epochs.max() ?? 1)
        for (index, (title, key)) in panels.enumerated() {
            let series = runs.enumerated().map { k, run in
                let colour = palette[k % palette.count]
                return Series(
                    epochs: run.records.map(\.epoch), train: run.records.map { $0.train[keyPath: key] },
                    test: run.records.map { $0.test[keyPath: key] }, trainColour: compared ? colour : trainColour,
                    testColour: compared ? colour : testColour, thinTrain: compared)
            }
            panel(&canvas, title: title, series: series, span: span, top: index * panelHeight, height: panelHeight)
        }
        canvas.text("EPOCH", centredOn: (plotLeft + width - plotRightMargin) / 2, 3 * panelHeight + 8, ink)
        if compared {
            canvas.text("TEST THICK, TRAIN THIN", right: width - plotRightMargin, 9, ink)
            let columnWidth = (width - plotLeft) / 3
            for (k, run) in runs.enumerated() {
                let x = plotLeft + (k % 3) * columnWidth, y = 3 * panelHeight + 30 + (k / 3) * 18
                canvas.line(x, y + 4, x + 22, y + 4, palette[k % palette.count], thickness: 3)
                // Cut to its column (the pixel font is 8 pixels a character at this size).
                canvas.text(String(run.name.suffix(max(1, (columnWidth - 36) / 8))), x + 28, y, ink)
            }
        } else {
            let legendX = width - plotRightMargin - 150
            for (k, (name, colour)) in [("TRAIN", trainColour), ("TEST", testColour)].enumerated() {
                let x = legendX + k * 80
                canvas.line(x, 13, x + 22, 13, colour, thickness: 3)
                canvas.text(name, x + 28, 9, ink)
            }
        }
        return canvas.image
    }

    static let plotLeft = 78, plotRightMargin = 20

    static func panel(
        _ canvas: inout Canvas, title: String, series: [Series], span: (first: Int, last: Int), top panelTop: Int,
        height: Int
    ) {
        let left = plotLeft, right = canvas.width - plotRightMargin
        let top = panelTop + 32, bottom = panelTop + height - 30
        canvas.text(title, left, panelTop + 10, ink)
        guard series.contains(where: { !$0.epochs.isEmpty }) else { return }
        // The y range: every finite value, less the first epoch's when it stands far above the rest.
        let all = series.flatMap { $0.train + $0.test }.filter(\.isFinite)
        let isFirst = { (s: Series, i: Int) in s.epochs[i] == span.first }
        let later = series.flatMap { s in
            s.epochs.indices.filter { !isFirst(s, $0) }.flatMap { [s.train[$0], s.test[$0]] }
        }.filter(\.isFinite)
        var (lo, hi) = (all.min() ?? 0, all.max() ?? 1)
        var clipped = false
        if span.last - span.first >= 2, let laterLo = later.min(), let laterHi = later.max(),
            hi > laterHi + max(laterHi - laterLo, abs(laterHi) * 1e-3)
        {
            (lo, hi) = (min(laterLo, lo), laterHi)
            clipped = true
        }
        let ticks = niceTicks(lo, hi, count: 5)
        let (axisLo, axisHi) = (ticks.first ?? lo, max(ticks.last ?? hi, (ticks.first ?? lo) + 1e-300))
        func x(_ epoch: Int) -> Int {
            guard span.last > span.first else { return (left + right) / 2 }
            let fraction = Double(epoch - span.first) / Double(span.last - span.first)
            return left + Int((Double(right - left) * fraction).rounded())
        }
        func y(_ v: Double) -> Int {
            // In [0, 1]: no huge or NaN double reaches Int(). Halves first, so a span cannot overflow.
            let range = axisHi / 2 - axisLo / 2
            let fraction = range > 0 ? min(max((v / 2 - axisLo / 2) / range, 0), 1) : 0.5
            return bottom - Int((Double(bottom - top) * fraction).rounded())
        }
        // Grid and tick labels.
        let decimals = ticks.count > 1 ? max(0, min(6, Int(-floor(log10(max(ticks[1] - ticks[0], 1e-12)))))) : 1
        for t in ticks {
            canvas.line(left, y(t), right, y(t), grid)
            canvas.text(String(format: "%.\(decimals)f", t), right: left - 8, y(t) - 5, ink)
        }
        for e in epochTicks(first: span.first, last: span.last) {
            canvas.line(x(e), top, x(e), bottom, grid)
            canvas.line(x(e), bottom, x(e), bottom + 4, axis)
            canvas.text(String(e), centredOn: x(e), bottom + 8, ink)
        }
        canvas.line(left, bottom, right, bottom, axis)
        canvas.line(left, top, left, bottom, axis)
        // The curves: every run's train, then every run's test over them.
        var marked = 0
        for (s, isTrain) in series.map({ ($0, true) }) + series.map({ ($0, false) }) {
            let values = isTrain ? s.train : s.test
            let colour = isTrain ? s.trainColour : s.testColour
            let thin = isTrain && s.thinTrain
            for i in values.indices where values[i].isFinite {
                let px = x(s.epochs[i])
                if clipped && isFirst(s, i) && values[i] > axisHi {
                    // An arrow at the top edge, and the value it stands for.
                    canvas.line(px, top + 10, px, top, colour, thickness: 2)
                    canvas.line(px - 4, top + 4, px, top, colour, thickness: 2)
                    canvas.line(px + 4, top + 4, px, top, colour, thickness: 2)
                    canvas.text(String(format: "%.1f", values[i]), px + 8, top + 12 * marked, colour)
                    marked += 1
                } else if !thin {
                    canvas.dot(px, y(values[i]), colour, radius: 3)
                }
                if i > 0, values[i - 1].isFinite {
                    let from = clipped && isFirst(s, i - 1) && values[i - 1] > axisHi ? top : y(values[i - 1])
                    canvas.line(x(s.epochs[i - 1]), from, px, y(values[i]), colour, thickness: thin ? 1 : 2)
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
