import CKernels
import Foundation
import Synchronization

/// A fixed set of worker threads for the fast kernels: the caller runs part 0 of a job and worker w runs
/// part w. Workers spin briefly between jobs (a training step launches one every few tens of
/// microseconds, faster than a thread can be woken) and then sleep, so an idle process uses no CPU.
///
/// Dispatch's concurrentPerform was measured running both halves of a product on one thread when its
/// pool had no worker ready, halving the rate at random.
final class WorkerPool: @unchecked Sendable {
    let workers: Int
    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let condition = NSCondition()
    private var sleepers = 0
    // Written by the caller before `generation` advances, read by workers after they see it advance.
    private var job: ((Int) -> Void)?
    private var parts = 0
    private let submitLock = NSLock()

    static let spinsBeforeSleeping = 1_000_000  // ~1 ms: longer than any gap inside a training step

    init(workers: Int) {
        self.workers = workers
        for w in 0..<workers {
            let thread = Thread { [unowned self] in self.work(index: w + 1) }
            thread.name = "vae-worker-\(w + 1)"
            thread.start()
        }
    }

    /// Runs `body(0)`, …, `body(parts − 1)` with parts spread over the caller and the workers; returns
    /// when all are done. `parts` must not exceed `workers + 1`.
    func run(parts: Int, _ body: (Int) -> Void) {
        precondition(parts <= workers + 1)
        guard parts > 1 else { body(0); return }
        submitLock.lock()
        defer { submitLock.unlock() }
        withoutActuallyEscaping(body) { body in
            job = body
            self.parts = parts
            remaining.store(parts - 1, ordering: .sequentiallyConsistent)
            condition.lock()
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
            body(0)
            while remaining.load(ordering: .sequentiallyConsistent) > 0 {}
            job = nil
        }
    }

    private func work(index: Int) {
        // Workers run only fast kernels, which flush denormals (see CPUDevice.launch).
        _ = vae_enter_flush_denormals()
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .sequentiallyConsistent) == seen {
                spins += 1
                if spins >= Self.spinsBeforeSleeping {
                    condition.lock()
                    sleepers += 1
                    while generation.load(ordering: .sequentiallyConsistent) == seen { condition.wait() }
                    sleepers -= 1
                    condition.unlock()
                }
            }
            seen = generation.load(ordering: .sequentiallyConsistent)
            if index < parts, let job { job(index) }
            if index < parts { remaining.subtract(1, ordering: .sequentiallyConsistent) }
        }
    }
}
