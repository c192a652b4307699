import Foundation
import VAE

/// Training progress on stderr (stdout keeps the epoch lines and results): a bar redrawn in place and cut to
/// the terminal's width on a terminal, plain lines when stderr is a file or pipe, nothing with `--quiet`.
/// The ETA covers the epoch and, over several epochs, the whole run.
struct ProgressDisplay {
    let interactive = isatty(STDERR_FILENO) == 1
    let epochs: Int
    /// Replaces "epoch N/M" in the display (e.g. "IWAE").
    var label: String? = nil
    /// Show nothing.
    var quiet = false

    func update(_ p: TrainingProgress) {
        guard !quiet else { return }
        let rate = p.seconds > 0 ? Double(p.samples) / p.seconds : 0
        let perStep = p.step > 0 ? p.seconds / Double(p.step) : 0
        let remaining = perStep * Double(p.steps - p.step)
        // Later epochs take as long as this one promises to.
        let run = remaining + perStep * Double(p.steps) * Double(max(0, epochs - p.epoch))
        let eta =
            label == nil && epochs > p.epoch
            ? " ETA \(Self.clock(remaining)), run \(Self.clock(run))" : " ETA \(Self.clock(remaining))"
        if interactive {
            let loss = p.loss.isNaN ? "" : String(format: " loss %.2f", p.loss)
            let title = label ?? "epoch \(p.epoch)/\(epochs)"
            let text = String(format: " %d/%d%@ %.0f img/s", p.step, p.steps, loss, rate) + eta
            // The bar takes what the terminal leaves, between 10 and 30 cells, or goes.
            let room = Self.terminalWidth() - 1 - title.count - text.count - 1
            var line = title
            if room >= 10 {
                let width = min(30, room), filled = p.steps > 0 ? width * p.step / p.steps : width
                line += " " + String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            }
            line = String((line + text).prefix(Self.terminalWidth() - 1))
            FileHandle.standardError.write(Data("\r\(line)\u{1B}[K".utf8))
        } else if p.step < p.steps {
            let loss = p.loss.isNaN ? "" : String(format: " loss %.4f", p.loss)
            let title = label ?? "epoch \(p.epoch)"
            FileHandle.standardError.write(
                Data(
                    (String(format: "%@ step %d/%d%@ %.0f img/s", title, p.step, p.steps, loss, rate) + eta + "\n").utf8
                ))
        }
    }

    /// Ends the live line before an epoch summary.
    func finishLine() {
        if interactive && !quiet { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// "4.2s", "42s", "3m05s", "1h02m".
    static func clock(_ seconds: Double) -> String {
        if seconds < 9.95 { return String(format: "%.1fs", max(seconds, 0)) }
        let s = Int(seconds.rounded())
        if s < 60 { return "\(s)s" }
        if s < 3600 { return String(format: "%dm%02ds", s / 60, s % 60) }
        return String(format: "%dh%02dm", s / 3600, s % 3600 / 60)
    }

    /// Columns of the terminal on stderr (80 when it does not say).
    static func terminalWidth() -> Int {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}
