import Foundation
import VAE

/// Training progress: a live bar with rate and ETA on a terminal, plain lines when output is a file or pipe.
struct ProgressDisplay {
    let interactive = isatty(STDOUT_FILENO) == 1
    let epochs: Int

    func update(_ p: TrainingProgress) {
        let rate = p.seconds > 0 ? Double(p.samples) / p.seconds : 0
        let remaining = p.step > 0 ? p.seconds / Double(p.step) * Double(p.steps - p.step) : 0
        if interactive {
            let width = 30, filled = p.steps > 0 ? width * p.step / p.steps : width
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            let line = String(format: "epoch %d/%d %@ %d/%d  loss %.2f  %.0f img/s  ETA %.0fs", p.epoch, epochs, bar, p.step, p.steps,
                              p.loss, rate, remaining)
            FileHandle.standardOutput.write(Data("\r\(line)\u{1B}[K".utf8))
        } else if p.step < p.steps {
            print(String(format: "epoch %d step %d/%d loss %.4f %.0f img/s eta %.0fs", p.epoch, p.step, p.steps, p.loss, rate, remaining))
        }
    }

    /// Ends the live line before an epoch summary.
    func finishLine() {
        if interactive { FileHandle.standardOutput.write(Data("\r\u{1B}[K".utf8)) }
    }
}
