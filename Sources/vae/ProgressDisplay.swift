import Foundation
import VAE

/// Training progress: a live bar with rate and ETA on a terminal, plain lines when output is a file or pipe.
struct ProgressDisplay {
    let interactive = isatty(STDOUT_FILENO) == 1
    let epochs: Int
    /// Replaces "epoch N/M" in the display (e.g. "IWAE").
    var label: String? = nil

    func update(_ p: TrainingProgress) {
        let rate = p.seconds > 0 ? Double(p.samples) / p.seconds : 0
        let remaining = p.step > 0 ? p.seconds / Double(p.step) * Double(p.steps - p.step) : 0
        if interactive {
            let width = 30, filled = p.steps > 0 ? width * p.step / p.steps : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let loss = p.loss.isNaN ? "" : String(format: "  loss %.2f", p.loss)
            let title = label ?? "epoch \(p.epoch)/\(epochs)"
            let line = String(
                format: "%@ %@ %d/%d%@  %.0f img/s  ETA %.0fs", title, bar, p.step, p.steps, loss, rate, remaining)
            FileHandle.standardOutput.write(Data("\r\(line)\u{1B}[K".utf8))
        } else if p.step < p.steps {
            let loss = p.loss.isNaN ? "" : String(format: " loss %.4f", p.loss)
            let title = label ?? "epoch \(p.epoch)"
            print(String(format: "%@ step %d/%d%@ %.0f img/s eta %.0fs", title, p.step, p.steps, loss, rate, remaining))
        }
    }

    /// Ends the live line before an epoch summary.
    func finishLine() {
        if interactive { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
    }
}
