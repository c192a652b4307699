import Foundation

/// Splits elementwise work across the cores. Matrix products and the loops between them share one pool
/// of threads (`WorkerPool`), so nothing competes for the cores.
enum Parallel {
    nonisolated(unsafe) private(set) static var cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    nonisolated(unsafe) private static var pool: WorkerPool?
    private static let lock = NSLock()

    /// Sets how many threads the fast kernels use (at least 1). Takes effect before the first parallel job.
    static func setThreads(_ n: Int) { lock.withLock { if pool == nil { cores = max(1, n) } } }

    static var workers: WorkerPool {
        lock.withLock {
            if let pool { return pool }
            let made = WorkerPool(workers: cores - 1)
            pool = made
            return made
        }
    }

    /// Runs `body(0..<parts)` in parallel, `parts` at most `cores`.
    static func run(parts: Int, _ body: (Int) -> Void) {
        if parts <= 1 { body(0) } else { workers.run(parts: min(parts, cores), body) }
    }

    /// Runs `body` on disjoint ranges covering 0..<count, in parallel when there is enough work to pay
    /// for the threads (`grain` elements or more per range). Range boundaries are multiples of `align`.
    static func forEachRange(_ count: Int, grain: Int = 16_384, align: Int = 8, _ body: (Range<Int>) -> Void) {
        let parts = min(cores, count / grain)
        guard parts > 1 else { body(0..<count); return }
        let step = (count / parts + align - 1) / align * align
        run(parts: parts) { p in
            let start = p * step, end = p == parts - 1 ? count : min(count, (p + 1) * step)
            if start < end { body(start..<end) }
        }
    }
}

struct UncheckedSendable<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
