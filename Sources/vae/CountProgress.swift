import Foundation

/// Progress through a count of things (images decoded, cases checked), on stderr: a line redrawn in place
/// (at most 10 times a second, cut to the terminal's width) on a terminal, a plain line per tenth when
/// stderr is a file or pipe and the count is large. Called from worker threads, so it keeps its state
/// under a lock.
final class CountProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let what: String
    private let unit: String
    private let interactive = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastTenth = 0
    private var drawn = false

    /// Lines read "`what`: done/total `unit`, R `unit`/s".
    init(_ what: String, unit: String) { self.what = what; self.unit = unit }

    /// Decoding the images of `source`.
    convenience init(decoding source: String) { self.init("decoding \(source)", unit: "images") }

    func update(_ done: Int, _ total: Int) {
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let line = String(format: "%@: %d/%d %@, %.0f %@/s", what, done, total, unit, rate, unit)
            if interactive {
                guard done == total || Date().timeIntervalSince(lastDraw) >= 0.1 else { return }
                lastDraw = Date()
                drawn = true
                FileHandle.standardError.write(Data("\r\(String(line.prefix(terminalWidth() - 1)))\u{1B}[K".utf8))
            } else if total >= 1000, done * 10 / total > lastTenth {
                lastTenth = done * 10 / total
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
        }
    }

    /// Ends the live line, if one was drawn.
    func finish() {
        lock.withLock { if drawn { FileHandle.standardError.write(Data("\n".utf8)) } }
    }

    private func terminalWidth() -> Int {
        var size = winsize()
        return ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0 && size.ws_col > 0 ? Int(size.ws_col) : 80
    }
}
