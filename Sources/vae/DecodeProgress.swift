import Foundation

/// Progress of decoding an image folder, on stderr: a line redrawn in place (at most 10 times a second,
/// cut to the terminal's width) on a terminal, a plain line per tenth when stderr is a file or pipe.
/// Called from the decoding threads, so it keeps its state under a lock.
final class DecodeProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let source: String
    private let interactive = isatty(STDERR_FILENO) == 1
    private let start = Date()
    private var lastDraw = Date.distantPast
    private var lastTenth = 0
    private var drawn = false

    init(source: String) { self.source = source }

    func update(_ done: Int, _ total: Int) {
        lock.withLock {
            let elapsed = Date().timeIntervalSince(start)
            let rate = elapsed > 0 ? Double(done) / elapsed : 0
            let line = String(format: "decoding %@: %d/%d images, %.0f images/s", source, done, total, rate)
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
